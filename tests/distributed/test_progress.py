"""BatchProgress: rate and ETA; the rich display draws on stderr only."""

from __future__ import annotations

from promethium.distributed.progress import BatchProgress, progress_display


def state(**changes):
    base = {"files_total": 3, "files_done": 1, "files_failed": 1, "chunks_total": 10,
            "chunks_done": 4, "chunks_computed": 2, "elapsed_s": 4.0, "rate": 0.5,
            "dashboard": None}  # fmt: skip
    return BatchProgress(**{**base, **changes})


def test_eta_is_the_chunks_left_at_the_rate():
    assert state().eta_s == 12.0
    assert state(rate=0.0).eta_s is None
    assert state().describe() == "files 1/3, 1 failed, chunks 4/10, 0.50 chunks/s, ETA 12 s"
    assert state(rate=0.0, files_failed=0).describe().endswith("0.00 chunks/s, ETA ?")


def test_display_draws_on_stderr_and_can_be_off(capsys):
    with progress_display("pocs:") as draw:
        draw(state())
        draw(state(files_done=2, chunks_done=10))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "pocs: files" in captured.err and "10/10" in captured.err
    with progress_display("pocs:", enabled=False) as draw:
        draw(state())
    assert capsys.readouterr() == ("", "")
