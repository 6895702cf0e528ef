import numpy as np

import promethium as pm


def test_gather_follows_conventions_and_is_reproducible():
    a = pm.synthetic_gather(n_traces=20, n_samples=64, seed=7)
    b = pm.synthetic_gather(n_traces=20, n_samples=64, seed=7)
    assert a.dims == ("offset", "time") and a.dtype == np.float32
    assert pm.validate(a) is a
    assert pm.sample_interval(a) == 0.004
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.values, pm.synthetic_gather(20, 64, seed=8).values)


def test_reflections_are_hyperbolic_moveout():
    # With one event, the peak arrival must increase with offset.
    da = pm.synthetic_gather(n_traces=40, n_samples=256, n_events=1, seed=1)
    peaks = np.abs(da.values).argmax(axis=1)
    assert (np.diff(peaks) >= 0).all() and peaks[-1] > peaks[0]


def test_section_and_shots_shapes():
    assert pm.synthetic_section(30, 50).dims == ("cdp", "time")
    shots = pm.synthetic_shots(n_shots=3, n_traces=10, n_samples=32)
    assert shots.dims == ("shot", "offset", "time") and shots.shape == (3, 10, 32)
    assert pm.validate(shots) is shots


def test_ricker_peak_and_zero_crossings():
    f = 25.0
    t0 = 1.0 / (np.pi * f * np.sqrt(2.0))  # first zero crossing
    assert abs(pm.synthetic.ricker(np.array([t0]), f)[0]) < 1e-12
