"""2-D acoustic finite-difference modelling: realistic shot gathers for training and tests.

Random velocity models by family (:mod:`~promethium.modeling.velocity`), an 8th-order
acoustic solver with absorbing boundaries (:mod:`~promethium.modeling.acoustic`),
field-like noise (:mod:`~promethium.modeling.noise`), and shot gathers as DataArrays
with the conventions of real data (:mod:`~promethium.modeling.gathers`), cached on
disk for training (:mod:`~promethium.modeling.cache`). ``import promethium`` does not
import this package; torch is imported only when a shot is modelled.

Examples
--------
>>> from promethium.modeling import fd_shot_gather
>>> gather = fd_shot_gather(n_traces=8, n_samples=48, trace_spacing_m=25.0,
...                         frequency_hz=10.0, seed=2)
>>> gather.dims, str(gather.time.attrs["units"])
(('offset', 'time'), 'ms')
"""

from __future__ import annotations

from promethium.modeling.acoustic import RICKER_BANDWIDTH, simulate_shot, source_wavelet
from promethium.modeling.cache import MODELING_VERSION, cache_key, cached_fd_shot_gathers
from promethium.modeling.gathers import (
    GAINS,
    GATHER_SET_DEFAULTS,
    SPREADS,
    GatherSetSettings,
    draw_gather_parameters,
    fd_shot_gather,
    fd_shot_gathers,
    gather_dataarray,
    gather_set_settings,
    iter_fd_shot_gathers,
)
from promethium.modeling.noise import add_field_noise, band_limited_noise
from promethium.modeling.stencil import (
    MAX_COURANT,
    MIN_POINTS_PER_WAVELENGTH,
    check_discretisation,
    phase_velocity_ratio,
)
from promethium.modeling.velocity import (
    EVALUATION_FAMILIES,
    FAMILIES,
    TRAINING_FAMILIES,
    VelocityModel,
    velocity_model,
)

__all__ = [
    "EVALUATION_FAMILIES",
    "FAMILIES",
    "GAINS",
    "GATHER_SET_DEFAULTS",
    "MAX_COURANT",
    "MIN_POINTS_PER_WAVELENGTH",
    "MODELING_VERSION",
    "RICKER_BANDWIDTH",
    "SPREADS",
    "TRAINING_FAMILIES",
    "GatherSetSettings",
    "VelocityModel",
    "add_field_noise",
    "band_limited_noise",
    "cache_key",
    "cached_fd_shot_gathers",
    "check_discretisation",
    "draw_gather_parameters",
    "fd_shot_gather",
    "fd_shot_gathers",
    "gather_dataarray",
    "gather_set_settings",
    "iter_fd_shot_gathers",
    "phase_velocity_ratio",
    "simulate_shot",
    "source_wavelet",
    "velocity_model",
]
