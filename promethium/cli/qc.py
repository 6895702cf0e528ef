"""``promethium qc``: blind-test models on a survey and write a report folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from promethium.cli.choices import complete_from, one_of
from promethium.cli.files import check_target, local_path, open_input
from promethium.cli.logs import CliSettings
from promethium.cli.model_options import key_values
from promethium.cli.options import Source, shared_options
from promethium.cli.selection import Sel, apply_selection, parse_selection
from promethium.holdout import HIDE_PATTERNS

__all__ = ["model_entries", "qc"]


def model_entries(
    models: str | None,
    options: list[str],
    config: list[str],
    weights: list[str],
    finetune: Sequence[str] = (),
) -> dict[str, dict[str, Any]] | None:
    """The ``models=`` of :func:`promethium.qc` from the command line's options.

    ``--option MODEL.KEY=VALUE`` and ``--config MODEL.KEY=VALUE`` apply to one model;
    ``--weights MODEL=PATH`` gives a network its weights; ``--finetune MODEL`` adds
    ``MODEL+finetune``, the network fine-tuned on the test's input (from the same
    weights and config).

    Raises
    ------
    ConfigError
        For an empty ``--models``, a pair without ``MODEL.``, or a model that is not
        compared.

    Examples
    --------
    >>> model_entries("unet,pocs", ["pocs.n_iter=50"], [], ["unet=ft.safetensors"])
    {'unet': {'weights': 'ft.safetensors'}, 'pocs': {'n_iter': 50}}
    >>> model_entries("unet", [], [], [], ["unet"])["unet+finetune"]
    {'model': 'unet', 'finetune': True}
    """
    from promethium.errors import ConfigError
    from promethium.qc.models import ALWAYS_COMPARED

    names = None if models is None else [m.strip() for m in models.split(",") if m.strip()]
    if names is not None and not names:
        raise ConfigError("--models is empty; give model names, e.g. --models unet,pocs.")
    compared = [*(names or []), *ALWAYS_COMPARED]
    entries: dict[str, dict[str, Any]] = {name: {} for name in names or []}

    def put(name: str, key: str, value: Any, what: str) -> None:
        if name not in compared:
            raise ConfigError(
                f"{what} {name}.{key}=...: {name!r} is not compared; the models are "
                f"{compared} (add it with --models)."
            )
        entries.setdefault(name, {})
        if what == "--config":
            entries[name].setdefault("config", {})[key] = value
        else:
            entries[name][key] = value

    for what, pairs in (("--option", options), ("--config", config)):
        for dotted, value in key_values(pairs, what).items():
            name, dot, key = dotted.partition(".")
            if not dot or not key:
                raise ConfigError(
                    f"{what} {dotted}=...: name the model, MODEL.KEY=VALUE, e.g. "
                    f"{what} pocs.n_iter=50."
                )
            put(name, key, value, what)
    for pair in weights:
        name, eq, path = pair.partition("=")
        if not eq or not name or not path:
            raise ConfigError(f"--weights {pair!r} is not MODEL=PATH, e.g. unet=best.safetensors.")
        put(name, "weights", path, "--weights")
    for name in finetune:
        if name not in compared:
            raise ConfigError(
                f"--finetune {name}: {name!r} is not compared; the models are {compared} "
                "(add it with --models)."
            )
        given = {k: v for k, v in entries.get(name, {}).items() if k in ("weights", "config")}
        entries[f"{name}+finetune"] = {"model": name, **given, "finetune": True}
    return entries if names is not None or entries else None


@shared_options()
def qc(
    source: Source,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            parser=local_path,
            help="Report folder to create: qc.json, qc.md and PNG figures.",
        ),
    ],
    models: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="Models to compare, comma-separated (e.g. unet,pocs); pocs and linear "
            "always run. Default: the networks with shipped weights."
        ),
    ] = None,
    holdout: Annotated[float, typer.Option(help="Fraction of live traces to hide.")] = 0.1,
    seed: Annotated[int, typer.Option(help="Seed of the hidden traces' choice.")] = 0,
    pattern: Annotated[
        str,
        typer.Option(
            help=f"How hidden traces are placed: {one_of(HIDE_PATTERNS)} (survey: like the "
            "survey's own missing traces, runs like its gaps, every n-th trace of a "
            "decimated gather).",
            autocompletion=complete_from(HIDE_PATTERNS),
        ),
    ] = "random",
    gathers: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="Test on a random sample of this many gathers (default: all)."),
    ] = None,
    option: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="A model's option as MODEL.KEY=VALUE (repeatable): pocs.n_iter=50."),
    ] = None,
    config: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="A model's configuration as MODEL.KEY=VALUE (repeatable)."),
    ] = None,
    weights: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="A network's trained weights as MODEL=PATH (repeatable)."),
    ] = None,
    finetune: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            help="Also compare MODEL fine-tuned on the survey (self-supervised, on the "
            "test's input), as MODEL+finetune (repeatable)."
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing report folder.")] = False,
    sel: Sel = None,
    *,
    settings: CliSettings,
    segy: dict[str, Any],
) -> None:
    """Blind-test models on a survey: hide live traces, restore them, score each model.

    Hides a random fraction of the live traces, reconstructs them with each model and
    scores the result against the hidden truth (SNR gain, SNR, SSIM, MSE, coherence,
    time). Writes OUTPUT/qc.json, OUTPUT/qc.md and PNG figures (all or nothing) and
    prints the table, best first.
    """
    import promethium as pm
    from promethium.plugins import default_registry
    from promethium.qc.models import qc_models

    check_target(output, overwrite, source)  # before any data is read
    selection = parse_selection(sel or [])
    entries = model_entries(models, option or [], config or [], weights or [], finetune or [])
    registry = default_registry()
    qc_models(entries, registry)  # every model and option checked before reading data
    da = apply_selection(open_input(source, segy), selection)
    report = pm.qc(
        da, entries, holdout=holdout, seed=seed, gathers=gathers, pattern=pattern,  # type: ignore[arg-type]
        registry=registry,
    )  # fmt: skip
    report = _with_path(report, source)
    report.save(output, overwrite=overwrite)
    if not settings.quiet:
        typer.echo(report.table())
        typer.echo(
            f"wrote {output}: qc.json, qc.md and {len(report.scores) + 3} figures; "
            f"best: {report.best.label}"
        )


def _with_path(report: Any, source: Path) -> Any:
    """The report with the input's path recorded in its source."""
    import dataclasses

    return dataclasses.replace(report, source={**report.source, "path": str(source)})
