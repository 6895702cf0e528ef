"""Plans of runs, printed instead of run: ``reconstruct --dry-run`` and the shared lines.

``promethium plan`` (:mod:`promethium.cli.batch_plan`) adds a batch run's tasks, memory and
time to the same :class:`RunPlan`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["RunPlan", "add_model", "byte_size", "chunk_text", "plan_run"]


@dataclass
class RunPlan:
    """What ``promethium reconstruct`` would do, resolved but not run.

    Attributes
    ----------
    lines : list of tuple of str
        ``(label, text)`` pairs, in the order they are printed.
    """

    lines: list[tuple[str, str]] = field(default_factory=list)

    def add(self, label: str, text: str) -> None:
        """Append one line."""
        self.lines.append((label, text))

    def to_text(self) -> str:
        """Render as aligned ``label: text`` lines."""
        width = max(len(label) for label, _ in self.lines) + 2
        return "\n".join(f"{label + ':':<{width}}{text}" for label, text in self.lines)


def chunk_text(da: xr.DataArray) -> str:
    """The chunking of `da` in words: the largest chunk per dim and the number of chunks."""
    if da.chunks is None:
        return "in memory (one chunk)"
    sizes = ", ".join(f"{d}={max(c)}" for d, c in zip(da.dims, da.chunks, strict=True))
    n = math.prod(len(c) for c in da.chunks)
    return f"{sizes} ({n} chunk{'s' if n != 1 else ''})"


def byte_size(n_bytes: float) -> str:
    """A byte count for people: ``"7.5 KiB"``, ``"1.2 GiB"``."""
    if n_bytes < 1024:
        return f"{n_bytes:.0f} B"
    power = min(3, int(math.log(n_bytes, 1024)))
    return f"{n_bytes / 1024**power:.1f} {('KiB', 'MiB', 'GiB')[power - 1]}"


def _value(value: Any) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value)


def add_model(
    plan: RunPlan,
    model: str,
    config: dict[str, Any] | None,
    options: dict[str, Any],
    front_door: dict[str, Any],
) -> dict[str, Any]:
    """Add the model, its config and its options (given or default) to `plan`.

    The model, its configuration and its options are checked as the run checks them.

    Returns
    -------
    dict
        The model's resolved options (the schema's defaults filled in).

    Raises
    ------
    ModelNotFoundError
        If no model has that name.
    ConfigError
        For an option or config key the model does not accept.
    """
    from promethium.plugins import default_registry
    from promethium.reconstruct import model_options

    registry = default_registry()
    spec = registry.get(model)
    registry.build(spec.name, config)  # checks the configuration as the run does
    resolved = model_options(spec, options).model_dump(mode="json")
    label = f"{spec.plugin} {spec.plugin_version}".strip()
    plan.add("model", f"{spec.name} ({spec.family}, version {spec.version}; plugin {label})")
    merged = {**spec.config, **(config or {})}
    if merged:
        plan.add("config", ", ".join(f"{k}={_value(v)}" for k, v in merged.items()))
    plan.add("options", "the front door's, then the model's")
    for name, value in {**front_door, **resolved}.items():
        origin = "given" if name in options or front_door.get(name) else "default"
        plan.add(f"  {name}", f"{_value(value)} ({origin})")
    return resolved


def plan_run(
    *,
    source: Path,
    target: Path,
    da: xr.DataArray,
    model: str,
    config: dict[str, Any] | None,
    options: dict[str, Any],
    front_door: dict[str, Any],
    selection: list[str],
    like: Path | None,
    absent: str | None,
    mark_filled: bool,
    uncertainty: Path | None,
) -> RunPlan:
    """Resolve a reconstruction without running it: model, options, chunks, output.

    The model, its configuration and its options are checked as the run checks them
    (an unknown option or a value out of range raises here); no sample is read and
    nothing is written.

    Parameters
    ----------
    source, target : pathlib.Path
        Input and output.
    da : xarray.DataArray
        The (lazy) input, after any selection.
    model : str
        The model name.
    config : dict, optional
        Configuration overrides (``--config``).
    options : dict
        Model options given (``-o`` and the named flags).
    front_door : dict
        The front door's own parameters (``extrapolate``, ``refill``).
    selection : list of str
        The ``--sel`` values.
    like : pathlib.Path, optional
        The SEG-Y whose headers are copied.
    absent : str, optional
        What happens to grid positions `like` has no trace for.
    mark_filled : bool
        Whether filled traces are marked in a SEG-Y output.
    uncertainty : pathlib.Path, optional
        Where the mean and std go.

    Returns
    -------
    RunPlan
        The lines ``--dry-run`` prints.

    Raises
    ------
    ModelNotFoundError
        If no model has that name.
    ConfigError
        For an option or config key the model does not accept.
    """
    from promethium.cli.files import is_zarr, output_is_zarr

    plan = RunPlan()
    plan.add("dry run", "nothing is computed or written")
    plan.add("input", f"{source} ({'Zarr' if is_zarr(source) else 'SEG-Y'})")
    plan.add("dims", ", ".join(f"{d}={n}" for d, n in da.sizes.items()))
    plan.add("chunks", chunk_text(da))
    if selection:
        plan.add("selection", " ".join(f"--sel {s}" for s in selection))
    add_model(plan, model, config, options, front_door)
    zarr = output_is_zarr(target)
    replaces = " (replaces the existing one)" if target.exists() else ""
    plan.add("output", f"{target}, {'a Zarr store' if zarr else 'SEG-Y'}{replaces}")
    if not zarr:
        plan.add("headers", f"copied from {like}" if like else "built from the coordinates")
        if like is not None:
            plan.add("absent positions", f"{absent or 'skip'} (grid positions {like.name} lacks)")
        plan.add("mark filled", "yes (trace id 32767, card C39)" if mark_filled else "no")
    if uncertainty is not None:
        plan.add("uncertainty", f"{uncertainty}, a Zarr store of mean and std")
    n_samples = da.sizes[da.dims[-1]]
    traces = math.prod(n for d, n in da.sizes.items() if d != da.dims[-1])
    size = byte_size(traces * n_samples * 4)
    plan.add("computes", f"{traces} trace positions of {n_samples} samples ({size} as float32)")
    return plan
