"""The staging folder of a fine-tuning: removed on SIGTERM, swept once its writer is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from promethium.errors import ConfigError
from promethium.finetuning.output import Staging
from promethium.io import atomic
from promethium.io.atomic import temp_prefix

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from promethium.finetuning.output import Staging

    with Staging(Path(sys.argv[1]), False) as staging:
        (staging.set / "unet.safetensors").write_bytes(b"weights")
        (staging.root / "run").mkdir()
        print(staging.root.name, flush=True)
        time.sleep(60)
    """
)


def _start_writer(out):
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(out)], stdout=subprocess.PIPE, text=True
    )
    name = proc.stdout.readline().strip()  # the staging folder exists now
    assert name.startswith(temp_prefix(out)) and (out.parent / name).is_dir()
    return proc, name


def test_sigterm_removes_the_staging_folder_and_still_terminates(tmp_path):
    proc, _ = _start_writer(tmp_path / "out")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == -signal.SIGTERM  # it died of SIGTERM, as before
    assert os.listdir(tmp_path) == []  # no staging folder, no output, no lock


def test_the_next_run_removes_the_folder_of_a_killed_writer(tmp_path):
    out = tmp_path / "out"
    proc, name = _start_writer(out)
    proc.kill()  # SIGKILL: nothing runs, the folder stays
    assert proc.wait(timeout=60) == -signal.SIGKILL and (tmp_path / name).is_dir()
    live = tmp_path / f"{temp_prefix(out)}otherhost.1.5.abc"  # another machine's writer
    live.mkdir()
    with Staging(out, False) as staging:
        assert sorted(os.listdir(tmp_path)) == sorted([staging.root.name, live.name])
    assert os.listdir(tmp_path) == [live.name]


def test_commit_moves_the_set_into_place_and_refuses_an_output_that_appeared(tmp_path):
    out = tmp_path / "out"
    with Staging(out, False) as staging:
        (staging.set / "unet.json").write_text("{}")
        assert staging.commit() == out
    assert os.listdir(tmp_path) == ["out"] and os.listdir(out) == ["unet.json"]
    with Staging(out, False) as staging, pytest.raises(ConfigError, match="appeared while"):
        staging.commit()
    with Staging(out, True) as staging:
        (staging.set / "unet.json").write_text('{"new": 1}')
        staging.commit()
    assert (out / "unet.json").read_text() == '{"new": 1}' and os.listdir(tmp_path) == ["out"]


def test_sigterm_unwinds_leaves_an_application_handler_alone():
    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        with atomic.sigterm_unwinds():
            assert signal.getsignal(signal.SIGTERM) is mine
        assert signal.getsignal(signal.SIGTERM) is mine
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with atomic.sigterm_unwinds():  # the default handler: replaced for the block
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        with atomic.sigterm_unwinds():
            signal.signal(signal.SIGTERM, mine)  # installed within the block: kept
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_default_output_sweeps_the_staging_folders_of_killed_runs(tmp_path, monkeypatch):
    from promethium.finetuning.run import DEFAULT_OUTPUT_ROOT, _default_output

    monkeypatch.chdir(tmp_path)
    root = tmp_path / DEFAULT_OUTPUT_ROOT
    root.mkdir(parents=True)
    proc, name = _start_writer(root / "unet-20260101-000000")  # an earlier run's folder
    proc.kill()
    assert proc.wait(timeout=60) == -signal.SIGKILL and (root / name).is_dir()
    live = root / f"{temp_prefix(root / 'unet-x')}otherhost.1.5.abc"  # another machine's
    live.mkdir()
    output = _default_output("unet")  # a new name: its own prefix matches nothing
    assert not output.exists() and sorted(os.listdir(root)) == [live.name]


def test_a_staging_that_fails_to_start_leaves_no_folder_and_no_handler(tmp_path, monkeypatch):
    from pathlib import Path

    real = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if self.name == "set":
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(OSError, match="No space"), Staging(tmp_path / "out", False):
        pass
    assert os.listdir(tmp_path) == [] and signal.getsignal(signal.SIGTERM) is previous
