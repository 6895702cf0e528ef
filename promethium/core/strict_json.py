"""Strict JSON for what Promethium writes: never ``NaN`` or ``Infinity``.

Python's :func:`json.dumps` writes non-finite floats as ``NaN``, ``Infinity`` and
``-Infinity``, which are not JSON: strict readers (JavaScript's ``JSON.parse``, ``jq``,
most databases) refuse the whole text. Promethium writes its JSON (provenance records,
weight sidecars, export records, training checkpoints) with :func:`dumps`, which
refuses such a float (``allow_nan=False``) after mapping each one:

- to ``null`` by default. In a score (an SNR, say) ``null`` means *the score is not a
  finite number*: ``+inf`` where the hidden traces were restored without error (the
  SNR of an exact reconstruction), ``nan`` where the score is undefined (the traces
  hold no energy). Python reads it back as ``None``.
- to ``{"$float": "inf"}`` (or ``"-inf"``, ``"nan"``) with ``nonfinite="tagged"``, for
  state that must come back exactly (a checkpoint's best loss starts at ``inf``);
  :func:`loads` turns these back into floats.

The QC report (:mod:`promethium.qc.report`) keeps its own versioned layout, strict
too: non-finite scores as the strings ``"inf"``, ``"-inf"``, ``"nan"``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

__all__ = ["dumps", "finite_or_none", "loads", "number_text"]

_TAG = "$float"


def _map(value: Any, nonfinite: Literal["null", "tagged"]) -> Any:
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isfinite(number):
            return number
        return None if nonfinite == "null" else {_TAG: repr(number)}
    if isinstance(value, Mapping):
        return {key: _map(item, nonfinite) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_map(item, nonfinite) for item in value]
    return value


def finite_or_none(value: Any) -> Any:
    """`value` with every non-finite float (in dicts, lists and tuples) replaced by None.

    Examples
    --------
    >>> finite_or_none({"snr_db": float("inf"), "scores": [1.5, float("nan")]})
    {'snr_db': None, 'scores': [1.5, None]}
    """
    return _map(value, "null")


def dumps(value: Any, *, nonfinite: Literal["null", "tagged"] = "null", **kwargs: Any) -> str:
    """:func:`json.dumps` with ``allow_nan=False``, non-finite floats mapped first.

    Parameters
    ----------
    value : object
        What to write; floats may be Python or NumPy floats.
    nonfinite : {"null", "tagged"}
        ``"null"`` writes a non-finite float as ``null`` (see the module's notes for
        what that means in a score); ``"tagged"`` as ``{"$float": "inf"}``, which
        :func:`loads` reads back.
    **kwargs
        Passed on to :func:`json.dumps` (``indent``, ``sort_keys``, ``default``).

    Returns
    -------
    str
        Strict JSON.

    Examples
    --------
    >>> dumps({"snr_db": float("inf")})
    '{"snr_db": null}'
    >>> loads(dumps({"best": float("inf")}, nonfinite="tagged"))
    {'best': inf}
    """
    return json.dumps(_map(value, nonfinite), allow_nan=False, **kwargs)


def _untag(record: dict[str, Any]) -> Any:
    if len(record) == 1 and isinstance(record.get(_TAG), str):
        return float(record[_TAG])
    return record


def loads(text: str | bytes) -> Any:
    """:func:`json.loads` that reads ``{"$float": "inf"}`` back as a float.

    Examples
    --------
    >>> loads('{"best": {"$float": "-inf"}, "n": 1}')
    {'best': -inf, 'n': 1}
    """
    return json.loads(text, object_hook=_untag)


def number_text(value: float | None, spec: str = "", unit: str = "") -> str:
    """A number read back from strict JSON, formatted with `spec`; ``None`` as "not finite".

    Examples
    --------
    >>> number_text(14.237, ".1f", " dB"), number_text(None, ".1f", " dB")
    ('14.2 dB', 'not finite')
    """
    return "not finite" if value is None else format(value, spec) + unit
