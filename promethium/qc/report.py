"""The QC report: scores per model, ranked; a table, JSON and a pandas frame."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promethium.errors import InvalidDataError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

__all__ = ["QC_SCHEMA", "METRICS", "ModelScore", "QCPanels", "QCReport"]

#: Identifies the JSON layout written by :meth:`QCReport.to_json`.
QC_SCHEMA = "promethium-qc/1"

#: The scores of each model, in table order: attribute, column title, number format.
METRICS: tuple[tuple[str, str, str], ...] = (
    ("snr_improvement_db", "SNR gain (dB)", ".2f"),
    ("snr_db", "SNR (dB)", ".2f"),
    ("ssim", "SSIM", ".4f"),
    ("mse", "MSE", ".3e"),
    ("coherence", "coherence", ".4f"),
    ("seconds", "time (s)", ".3f"),
    ("seconds_per_gather", "s/gather", ".3f"),
)


@dataclass(frozen=True)
class ModelScore:
    """How well one model restored the hidden traces.

    Attributes
    ----------
    label, model : str
        The name in the report and the registered model it ran.
    snr_improvement_db, snr_db, ssim, mse, coherence : float
        Scores on the hidden traces against the truth (see :mod:`promethium.metrics`):
        the SNR gain over leaving them zero, the SNR, structural similarity, mean
        squared error and mean trace coherence.
    seconds, seconds_per_gather : float
        Wall time of the reconstruction of the sampled gathers, in total and per gather.
    per_trace_snr_db : tuple of float
        SNR of each hidden trace, in the order of :attr:`QCReport.hidden_traces`.
    settings : mapping
        The ``weights``, ``config``, ``options`` and ``finetune`` it ran with.
    """

    label: str
    model: str
    snr_improvement_db: float
    snr_db: float
    ssim: float
    mse: float
    coherence: float
    seconds: float
    seconds_per_gather: float
    per_trace_snr_db: tuple[float, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The score as JSON-ready data (non-finite numbers as ``"inf"``, ``"nan"``)."""
        out: dict[str, Any] = {"label": self.label, "model": self.model}
        out.update({name: _number(getattr(self, name)) for name, _, _ in METRICS})
        out["per_trace_snr_db"] = [_number(v) for v in self.per_trace_snr_db]
        out["settings"] = dict(self.settings)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelScore:
        """Read back :meth:`to_dict`."""
        return cls(
            label=str(data["label"]),
            model=str(data["model"]),
            **{name: _float(data[name]) for name, _, _ in METRICS},
            per_trace_snr_db=tuple(_float(v) for v in data.get("per_trace_snr_db", ())),
            settings=dict(data.get("settings", {})),
        )


@dataclass(frozen=True)
class QCPanels:
    """The arrays behind the figures: the sampled gathers, hidden, and each model's fill.

    Attributes
    ----------
    truth : xarray.DataArray
        The sampled gathers as recorded.
    data : xarray.DataArray
        The same with the hidden traces zeroed (the models' input).
    hidden : xarray.DataArray
        Boolean over the trace dims, True for the hidden traces.
    estimates : mapping of str to xarray.DataArray
        Each model's reconstruction, by label.
    """

    truth: xr.DataArray
    data: xr.DataArray
    hidden: xr.DataArray
    estimates: Mapping[str, xr.DataArray]


@dataclass(frozen=True)
class QCReport:
    """The result of :func:`promethium.qc`: every model's scores, best first.

    Attributes
    ----------
    scores : tuple of ModelScore
        One per model, ranked by SNR gain on the hidden traces (best first).
    holdout : mapping
        How the test was made (:meth:`promethium.holdout.Holdout.record`):
        ``fraction``, ``seed``, ``pattern``, ``gathers`` (the sampled gathers' flat
        indices as ranges), ``n_gathers`` (of the survey), ``n_sampled``, ``n_live``
        (live traces of the sample before hiding) and ``n_hidden``.
    source : mapping
        What was tested: ``dims`` (sizes of the whole input), ``name`` and, when
        known, ``path``.
    hidden_traces : tuple of mapping
        The labels of each hidden trace (one value per trace dim), in score order.
    panels : QCPanels, optional
        The arrays behind the figures; None for a report read back from JSON.

    Examples
    --------
    >>> import promethium as pm
    >>> section = pm.synthetic_section(n_traces=48, n_samples=96)
    >>> report = pm.qc(section, ["linear"], holdout=0.2)  # pocs is always compared too
    >>> sorted(report.labels())
    ['linear', 'pocs']
    >>> report.best.snr_improvement_db == max(s.snr_improvement_db for s in report.scores)
    True
    >>> QCReport.from_json(report.to_json()) == report
    True
    """

    scores: tuple[ModelScore, ...]
    holdout: Mapping[str, Any]
    source: Mapping[str, Any]
    hidden_traces: tuple[Mapping[str, Any], ...] = ()
    panels: QCPanels | None = field(default=None, repr=False, compare=False)

    @property
    def best(self) -> ModelScore:
        """The model with the largest SNR gain on the hidden traces."""
        return self.scores[0]

    def score(self, label: str) -> ModelScore:
        """The scores of the model shown as `label`.

        Raises
        ------
        KeyError
            If no model of the report has that label.
        """
        for entry in self.scores:
            if entry.label == label:
                return entry
        raise KeyError(f"no model {label!r} in the report; it has {self.labels()}.")

    def labels(self) -> list[str]:
        """The models' labels, best first."""
        return [s.label for s in self.scores]

    def table(self, markdown: bool = False) -> str:
        """The scores as a text table (or a Markdown table), best first.

        Parameters
        ----------
        markdown : bool, default False
            A Markdown (pipe) table instead of aligned columns.

        Returns
        -------
        str
            One row per model, with its rank, label and every score.
        """
        head = ["rank", "model", *(title for _, title, _ in METRICS)]
        rows = [
            [str(rank), s.label, *(format(getattr(s, name), spec) for name, _, spec in METRICS)]
            for rank, s in enumerate(self.scores, start=1)
        ]
        if markdown:
            lines = [head, ["---"] * len(head), *rows]
            return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        return "\n".join(
            "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in
                      enumerate(zip(cells, widths))).rstrip()
            for cells in [head, *rows]
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the layout of :meth:`to_json`)."""
        return {
            "schema": QC_SCHEMA,
            "best": self.best.label,
            "holdout": dict(self.holdout),
            "source": dict(self.source),
            "hidden_traces": [dict(t) for t in self.hidden_traces],
            "models": [s.to_dict() for s in self.scores],
        }

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """Write the report as JSON to `path` (when given) and return the text.

        Non-finite scores (a perfect reconstruction's ``inf`` SNR) are written as the
        strings ``"inf"``, ``"-inf"`` and ``"nan"``, so the file is strict JSON. The file
        is written through :func:`promethium.io.atomic.staged`: it holds the old report or
        the new one, never part of one.
        """
        text = json.dumps(self.to_dict(), indent=2, sort_keys=False, allow_nan=False) + "\n"
        if path is not None:
            from promethium.io.atomic import staged

            with staged(Path(path)) as tmp:
                tmp.write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, source: str | os.PathLike[str]) -> QCReport:
        """Read a report written by :meth:`to_json`, from its text or a file.

        Raises
        ------
        InvalidDataError
            If the text is not a QC report of this schema.
        """
        text = str(source)
        if not text.lstrip().startswith("{"):
            text = Path(source).read_text(encoding="utf-8")
        try:
            data = json.loads(text)
            if data.get("schema") != QC_SCHEMA:
                raise KeyError("schema")
            return cls(
                scores=tuple(ModelScore.from_dict(m) for m in data["models"]),
                holdout=dict(data["holdout"]),
                source=dict(data["source"]),
                hidden_traces=tuple(dict(t) for t in data.get("hidden_traces", ())),
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as err:
            raise InvalidDataError(
                f"not a Promethium QC report (schema {QC_SCHEMA!r}): {err}."
            ) from err

    def to_frame(self) -> pd.DataFrame:
        """The scores as a pandas DataFrame indexed by label, best first."""
        import pandas as pd

        rows = [
            {"model": s.model, **{n: getattr(s, n) for n, _, _ in METRICS}} for s in self.scores
        ]
        return pd.DataFrame(rows, index=pd.Index(self.labels(), name="label"))

    def figures(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Draw the figures into `folder` as PNG (see :mod:`promethium.qc.figures`)."""
        from promethium.qc.figures import write_figures

        return write_figures(self, Path(folder))

    def save(self, folder: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write ``qc.json``, ``qc.md`` and the figures into `folder`, atomically.

        See :func:`promethium.qc.save.save_report`.
        """
        from promethium.qc.save import save_report

        return save_report(self, Path(folder), overwrite=overwrite)


def _number(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)


def _float(value: Any) -> float:
    return float(value)  # also reads back "inf", "-inf" and "nan"
