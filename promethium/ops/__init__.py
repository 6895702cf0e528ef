"""Processing operators: DataArray in, DataArray out, lazily; compose them with ``|``.

>>> import promethium as pm
>>> from promethium import ops
>>> pipe = ops.Normalize() | ops.Bandpass(5, 60) | ops.Taper(16)
>>> out = pipe(pm.synthetic_gather(n_traces=8, n_samples=128))
>>> len(out.attrs["history"].splitlines())
3
"""

from __future__ import annotations

from promethium.ops.bandpass import Bandpass
from promethium.ops.base import Operator, WholeArrayOperator
from promethium.ops.context import BlockContext
from promethium.ops.gain import AGC, TimePowerGain
from promethium.ops.kill import Decimate, KillTraces
from promethium.ops.mute import Mute
from promethium.ops.normalize import NORM_SCALE, Denormalize, Normalize
from promethium.ops.params import OperatorParams
from promethium.ops.pipeline import Pipeline

# Operators that run models (Reconstruct, and any that follow) live in their own modules.
from promethium.ops.reconstruct import Reconstruct
from promethium.ops.resample import Resample
from promethium.ops.taper import Taper

__all__ = [
    "AGC",
    "Bandpass",
    "BlockContext",
    "Decimate",
    "Denormalize",
    "KillTraces",
    "Mute",
    "NORM_SCALE",
    "Normalize",
    "Operator",
    "OperatorParams",
    "Pipeline",
    "Reconstruct",
    "Resample",
    "Taper",
    "TimePowerGain",
    "WholeArrayOperator",
]
