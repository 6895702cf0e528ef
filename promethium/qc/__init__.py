"""Blind-test QC: hide live traces, reconstruct them with each model, score the result.

:func:`qc` hides a random fraction of the live traces of a survey (with
:func:`promethium.holdout.hide_traces`), reconstructs them with each model, and scores
each reconstruction against the hidden truth (:func:`promethium.holdout.score`). The
:class:`QCReport` ranks the models and writes a table, a JSON file and figures, so
that a user can choose a model on their own survey.

Modules: ``models`` (which models run, with which options), ``run`` (the run),
``report`` (the report: table, JSON, pandas), ``figures`` (PNG figures, matplotlib
imported when they are drawn), ``save`` (the report folder, written atomically).
"""

from __future__ import annotations

from promethium.qc.models import QCModel
from promethium.qc.report import ModelScore, QCReport
from promethium.qc.run import qc

__all__ = ["ModelScore", "QCModel", "QCReport", "qc"]
