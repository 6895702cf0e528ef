"""The readable report of a :class:`~promethium.io.summary.SurveyInfo` (``str(info)``)."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from promethium.io.summary import SurveyInfo, TraceCounts

__all__ = ["render_info"]

_LABEL = 18  # width of the label column


def _num(value: float) -> str:
    """A number without a useless ``.0``."""
    if isinstance(value, float) and math.isfinite(value) and value == round(value):
        return str(int(value))
    return f"{value:.12g}"


def _line(label: str, text: str) -> str:
    return f"{label + ':':<{_LABEL}}{text}"


def _share(count: int | None, total: int, what: str, unknown: str) -> str:
    if count is None:
        return f"{what} {unknown}"
    pct = 100.0 * count / total if total else 0.0
    return f"{count} {what} ({pct:.1f}%)"


def _traces(t: TraceCounts) -> list[str]:
    parts = []
    if t.absent is not None:
        parts.append(_share(t.absent, t.positions, "absent", ""))
    parts.append(_share(t.dead, t.positions, "dead", "not counted (use --dead-traces)"))
    if t.missing is not None:
        parts.append(_share(t.missing, t.positions, "missing", ""))
    if t.filled is not None:
        parts.append(_share(t.filled, t.positions, "filled", ""))
    return [_line("traces", f"{t.positions} grid positions: " + ", ".join(parts))]


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def render_info(info: SurveyInfo) -> str:
    """Render `info` as aligned lines: overview, keys, extents, headers, history."""
    u = info.units
    lines = [_line("file", f"{info.path} ({info.kind}, {info.n_traces} traces)")]
    if info.variables:
        names = ", ".join(info.variables)
        lines.append(_line("variables", f"{names}; this summary: {info.variable}"))
    if info.segy is not None:
        s = info.segy
        lines.append(_line("format", f"{s.format_code} ({s.format_name}), {s.endian}-endian"))
    lines.append(
        _line(
            "samples",
            f"{info.n_samples} per trace, every {_num(info.sample_interval)} {u}, "
            f"{info.vertical_dim} {_num(info.first_sample)} to {_num(info.last_sample)} {u}",
        )
    )
    dims = ", ".join(f"{d}={n}" for d, n in info.dims.items())
    order = f", sort order {info.sort_order}" if info.sort_order else ""
    lines.append(_line("geometry", f"{info.geometry} ({dims}){order}"))
    if info.fold is not None:
        f = info.fold
        lines.append(
            _line(
                "fold",
                f"{f.min} to {f.max} traces per {f.bins} (mean {f.mean:.3g}, {f.n_bins} bins)",
            )
        )
    lines += _traces(info.traces)
    if info.note:
        lines.append(_line("note", info.note))
    if info.suggestion:
        args = ", ".join(f"{k}={v}" for k, v in info.suggestion.items())
        lines.append(_line("suggestion", f"open_segy(path, {args})"))
    if info.keys:
        lines.append("keys:")
        rows = [["name", "byte", "min", "max", "step", "count", "spacing"]]
        rows += [
            [k.name, "" if k.byte is None else str(k.byte), _num(k.min), _num(k.max),
             _num(k.step), str(k.count), k.describe()]
            for k in info.keys
        ]  # fmt: skip
        lines += _table(rows)
    if info.extents:
        lines.append("coordinates (scalars applied):")
        rows = [["name", "min", "max", "units"]]
        rows += [[e.name, _num(e.min), _num(e.max), e.units] for e in info.extents]
        lines += _table(rows)
    if info.segy is not None:
        set_words = [f"{k}={v}" for k, v in info.segy.binary.items() if v]
        lines.append(_line("binary header", ", ".join(set_words) + " (others 0)"))
        lines.append(f"textual header ({info.segy.text_encoding}, blank cards left out):")
        cards = [c for c in info.segy.text.splitlines() if c[4:].strip()]
        lines += [f"  {card}" for card in cards] or ["  (blank)"]
    if info.history:
        lines.append("history:")
        lines += [f"  {h}" for h in info.history]
    if info.provenance is not None:
        lines.append(_line("provenance", json.dumps(info.provenance, sort_keys=True)))
    return "\n".join(lines)
