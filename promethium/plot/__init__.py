"""Matplotlib figures of seismic panels: images, wiggles, f-k spectra, comparisons.

Every plot puts real coordinates on both axes (the trace dim's labels, e.g. offset in
metres or inline numbers, and time or depth with units), and image plots get a
colorbar. Amplitudes are clipped symmetrically at a percentile of ``|data|`` (99 by
default), as seismic displays do, so that a few spikes do not wash the panel out.

matplotlib is imported when a function is called, never at ``import promethium``.
"""

from __future__ import annotations

from promethium.plot.comparison import plot_comparison
from promethium.plot.coords import clip_value
from promethium.plot.fk import fk_spectrum, plot_fk
from promethium.plot.panel import plot_panel, plot_wiggle

__all__ = ["clip_value", "fk_spectrum", "plot_comparison", "plot_fk", "plot_panel", "plot_wiggle"]
