"""``promethium plugins``: the models with their options, and every plugin's status."""

from __future__ import annotations

from typing import Annotated, Any

import typer

__all__ = ["plugins", "render_plugins"]


def plugins(
    pattern: Annotated[
        str, typer.Argument(help="Glob on model names, e.g. 'unet*'; all models by default.")
    ] = "*",
) -> None:
    """List the registered models with their options, and every plugin with its status."""
    from rich.console import Console

    Console().print(render_plugins(pattern))


def render_plugins(pattern: str = "*") -> Any:
    """Return a rich renderable of the models and plugins, for ``promethium plugins``.

    The models matching `pattern` (name, family, plugin and version, model version,
    weights), each followed by its description, the benchmark numbers of its shipped
    weights and the sampling they were trained on, and a table of its options (name,
    default, allowed values with the unit, one-line help); then every plugin with its
    status, followed by the errors of broken plugins. Plugin-provided text is escaped,
    never read as rich markup.

    Parameters
    ----------
    pattern : str, default "*"
        Glob on model names selecting the models shown.

    Returns
    -------
    rich.console.Group
        The tables, ready for ``rich.console.Console().print``.
    """
    from rich import box
    from rich.console import Group
    from rich.markup import escape
    from rich.table import Table

    from promethium.catalog import list_models
    from promethium.plugins import loaded_plugins

    loaded = loaded_plugins()
    infos = list_models(pattern, registry=loaded.registry)
    rows = [
        (
            row.name,
            row.family,
            f"{row.plugin} {row.plugin_version}".strip(),
            row.version,
            "yes" if row.weights else "-",
        )
        for row in infos
    ]
    models = Table(title="Promethium models", box=box.SIMPLE_HEAD, pad_edge=False)
    for i, column in enumerate(("name", "family", "plugin", "version", "weights")):
        _add_column(models, column, [r[i] for r in rows])
    for r in rows:
        models.add_row(*map(escape, r))
    parts: list[Any] = [models]
    for info in infos:
        parts.append(f"[bold]{escape(info.name)}[/]: {escape(info.description)}".rstrip(": "))
        if info.benchmark:
            scores = ", ".join(f"{escape(k)} {v:+.1f}" for k, v in info.benchmark)
            parts.append(f"  shipped weights, SNR gain in dB on held-out gathers: {scores}")
        if info.trained_sampling is not None:
            parts.append(f"  trained on {escape(info.trained_sampling.describe())}")
        if info.options:
            parts.append(_options_table(info.options))
    found = sorted(loaded.plugins, key=lambda p: p.name)
    table = Table(title="Promethium plugins", box=box.SIMPLE_HEAD, pad_edge=False)
    cells = {
        "plugin": [p.name for p in found],
        "distribution": [f"{p.distribution} {p.version}".strip() for p in found],
        "api": ["-" if p.api is None else str(p.api) for p in found],
        "status": [p.status for p in found],
    }
    for column, values in cells.items():
        _add_column(table, column, values)
    for p in found:
        style = {"broken": "red", "disabled": "yellow"}.get(p.status, "green")
        table.add_row(
            escape(p.name),
            escape(f"{p.distribution} {p.version}".strip()),
            "-" if p.api is None else str(p.api),
            f"[{style}]{p.status}[/{style}]",
        )
    errors = [f"[bold red]{escape(p.name)}[/]: {escape(p.error)}" for p in found if p.error]
    parts += ["", table]
    if errors:
        parts += ["[bold]errors[/]", *errors]
    return Group(*parts)


def _options_table(options: Any) -> Any:
    """One row per option: name and default never wrap; allowed values and help do."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=box.SIMPLE, pad_edge=False, show_edge=False, padding=(0, 1, 0, 2))
    names = [o.name for o in options]
    defaults = [_default(o.default) for o in options]
    _add_column(table, "option", names)
    _add_column(table, "default", defaults)
    table.add_column("allowed", ratio=1)
    table.add_column("help", ratio=2)
    for option, default in zip(options, defaults):
        allowed = option.allowed + (f" ({option.unit})" if option.unit else "")
        table.add_row(escape(option.name), escape(default), escape(allowed), escape(option.help))
    return table


def _default(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value))  # as typed on the command line: -o patch_size=32,64
    return str(value)


def _add_column(table: Any, header: str, cells: list[str]) -> None:
    """Add a column that is never truncated nor wrapped (names must stay copyable)."""
    width = max([len(header), *map(len, cells)])
    table.add_column(header, no_wrap=True, min_width=width)
