"""The QC figures: before/after/difference panels, f-k spectra, per-trace scores.

Each figure shows one gather: the sampled gather with the most hidden traces. Files:
``best.png`` (the best model), ``model-<label>.png`` (each model), ``fk.png`` (f-k
spectra of the truth and every reconstruction) and ``per-trace.png`` (the SNR of
each hidden trace, per model). matplotlib is imported when they are drawn.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from promethium.errors import InvalidDataError

if TYPE_CHECKING:
    import xarray as xr

    from promethium.qc.report import QCPanels, QCReport

__all__ = ["figure_name", "shown_gather", "write_figures"]


def figure_name(label: str) -> str:
    """The file name of a model's figure: ``model-<label>.png``, safe on any system.

    Examples
    --------
    >>> figure_name("models:/unet@prod")
    'model-models_unet_prod.png'
    """
    return "model-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_.") + ".png"


def shown_gather(hidden: xr.DataArray) -> dict[str, int]:
    """The batch-dim indices of the gather with the most hidden traces (first on ties)."""
    dims = [str(d) for d in hidden.dims[:-1]]  # the trace dim is last
    if not dims:
        return {}
    counts = np.asarray(hidden.values, dtype=bool).sum(axis=-1)
    index = np.unravel_index(int(np.argmax(counts)), counts.shape)
    return {d: int(i) for d, i in zip(dims, index)}


def write_figures(report: QCReport, folder: Path) -> list[Path]:
    """Draw every QC figure of `report` into `folder` (which must exist) as PNG.

    Parameters
    ----------
    report : QCReport
        A report made by :func:`promethium.qc` (it holds the arrays to draw).
    folder : pathlib.Path
        An existing folder.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    InvalidDataError
        If the report was read back from JSON (it has no arrays to draw).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    panels = report.panels
    if panels is None:
        raise InvalidDataError(
            "this report has no data to draw (it was read back from JSON); run pm.qc "
            "again to draw its figures."
        )
    at = shown_gather(panels.hidden)
    where = ", ".join(_where(panels.truth, d, i) for d, i in at.items())
    written = [
        _comparison(panels, report.best.label, at, folder / "best.png",
                    f"best: {_title(report, report.best.label)}", where),
    ]  # fmt: skip
    for score in report.scores:
        path = folder / figure_name(score.label)
        written.append(
            _comparison(panels, score.label, at, path, _title(report, score.label), where)
        )
    written.append(_spectra(panels, report.labels(), at, folder / "fk.png", where))
    written.append(_per_trace(report, folder / "per-trace.png"))
    return written


def _title(report: QCReport, label: str) -> str:
    s = report.score(label)
    return f"{label}: SNR gain {s.snr_improvement_db:.2f} dB, SSIM {s.ssim:.3f}"


def _where(da: xr.DataArray, dim: str, index: int) -> str:
    """``shot=7``; for a dim without labels (sampled gathers), the labels along it."""
    if dim in da.coords:
        return f"{dim}={da[dim].values[index].item()}"
    along = [f"{n}={c.values[index].item()}" for n, c in da.coords.items() if c.dims == (dim,)]
    return ", ".join(along) or f"{dim}={index}"


def _comparison(
    panels: QCPanels, label: str, at: dict[str, int], path: Path, title: str, where: str
) -> Path:
    import matplotlib.pyplot as plt

    from promethium.plot import plot_comparison

    shown = {
        "truth": panels.truth.isel(at),
        "input (hidden zeroed)": panels.data.isel(at),
        label: panels.estimates[label].isel(at),
    }
    fig = plot_comparison(shown, reference="truth")
    fig.suptitle(f"{title}" + (f" ({where})" if where else ""))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _spectra(
    panels: QCPanels, labels: list[str], at: dict[str, int], path: Path, where: str
) -> Path:
    import matplotlib.pyplot as plt

    from promethium.plot import plot_fk

    shown = [("truth", panels.truth.isel(at))]
    shown += [(label, panels.estimates[label].isel(at)) for label in labels]
    fig, axes = plt.subplots(1, len(shown), figsize=(3.2 * len(shown) + 1, 4.2),
                             squeeze=False, layout="constrained")  # fmt: skip
    for ax, (title, da) in zip(axes[0], shown):
        plot_fk(da, ax, title=title, colorbar=False)
    fig.colorbar(axes[0][0].images[-1], ax=list(axes[0]), label="amplitude (dB)")
    fig.suptitle("f-k spectra: truth and reconstructions" + (f" ({where})" if where else ""))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _per_trace(report: QCReport, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    for score in report.scores:
        values = np.asarray(score.per_trace_snr_db, dtype=np.float64)
        ax.plot(np.arange(values.size), np.clip(values, -60.0, 120.0), marker="o",
                markersize=3, linewidth=0.8, label=score.label)  # fmt: skip
    ax.set_xlabel("hidden trace (in survey order)")
    ax.set_ylabel("SNR (dB)")
    ax.set_title(f"SNR of each hidden trace ({report.holdout.get('n_hidden', '?')} traces)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
