"""The patch grid, chunk merging and Hann blending weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promethium.core.chunks import merge_small_chunks
from promethium.errors import ConfigError
from promethium.ml.blend import hann_window, patch_weights, weight_sum
from promethium.ml.grid import PatchGrid, patch_starts, resolve_patch_size


@given(
    n=st.integers(1, 300),
    patch=st.integers(1, 64),
    overlap=st.floats(0.0, 0.95),
)
@settings(max_examples=60, deadline=None)
def test_grid_covers_every_sample_and_stays_inside(n: int, patch: int, overlap: float) -> None:
    grid = PatchGrid.build((n, 5), (patch, 5), overlap)
    starts = grid.starts(0)
    padded = grid.padded[0]
    assert padded == max(n, patch)
    assert starts[0] == 0 and starts[-1] == padded - patch  # end-aligned, never past the end
    assert np.all(np.diff(starts) > 0)
    assert np.all(np.diff(starts) <= grid.steps[0])
    covered = np.zeros(padded, dtype=bool)
    for s in starts:
        covered[s : s + patch] = True
    assert covered.all()


@given(
    n=st.integers(1, 300),
    patch=st.integers(1, 64),
    overlap=st.floats(0.0, 0.95),
)
@settings(max_examples=60, deadline=None)
def test_normalized_weights_are_a_partition_of_unity(n: int, patch: int, overlap: float) -> None:
    grid = PatchGrid.build((n, 5), (patch, 5), overlap)
    padded, starts = grid.padded[0], grid.starts(0)
    total = weight_sum(starts, patch, padded)
    assert np.all(total > 0)
    unity = np.zeros(padded)
    for s in starts:
        unity[s : s + patch] += patch_weights(patch, int(s), padded) / total[s : s + patch]
    np.testing.assert_allclose(unity, 1.0, rtol=0, atol=1e-12)
    # A sub-range of the sum equals the slice of the full sum (what dask blocks use).
    lo, hi = padded // 3, padded - padded // 4
    np.testing.assert_array_equal(weight_sum(starts, patch, padded, lo, hi), total[lo:hi])


def test_hann_halves_sum_to_one_and_edges_are_untapered() -> None:
    w = hann_window(8)
    assert np.all(w > 0)
    np.testing.assert_allclose(w[:4] + w[4:], 1.0, atol=1e-15)
    first, last = patch_weights(8, 0, 20), patch_weights(8, 12, 20)
    assert np.all(first[:4] == 1.0) and first[-1] < 0.1
    assert np.all(last[4:] == 1.0) and last[0] < 0.1
    np.testing.assert_array_equal(patch_weights(8, 0, 8), np.ones(8))


def test_patch_starts_end_aligned() -> None:
    assert patch_starts(256, 256, 128).tolist() == [0]
    assert patch_starts(300, 256, 128).tolist() == [0, 44]
    assert patch_starts(512, 256, 128).tolist() == [0, 128, 256]


@given(
    chunks=st.lists(st.integers(1, 40), min_size=1, max_size=30),
    minimum=st.integers(1, 50),
)
@settings(max_examples=80, deadline=None)
def test_merge_small_chunks(chunks: list[int], minimum: int) -> None:
    merged = merge_small_chunks(chunks, minimum)
    assert sum(merged) == sum(chunks)
    if sum(chunks) >= minimum:
        assert min(merged) >= minimum
    else:
        assert merged == (sum(chunks),)
    # Boundaries are a subset of the original ones: merging only, never splitting.
    assert set(np.cumsum(merged)) <= set(np.cumsum(chunks))
    # No group exceeds its largest chunk by a halo or more (plus a short remainder).
    assert max(merged) < max(chunks) + 2 * minimum


@pytest.mark.parametrize(
    ("value", "expected"), [(16, (16, 16)), ((8, 32), (8, 32)), ([4, 2], (4, 2))]
)
def test_resolve_patch_size(value: object, expected: tuple[int, int]) -> None:
    assert resolve_patch_size(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, -3, (8,), (8, 0), "64", 2.5, True, (8, 8, 8)])
def test_bad_patch_size_is_a_config_error(value: object) -> None:
    with pytest.raises(ConfigError, match="patch_size must be"):
        resolve_patch_size(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("overlap", [1.0, -0.1, 1.5, "half", None])
def test_bad_overlap_is_a_config_error(overlap: object) -> None:
    with pytest.raises(ConfigError, match="overlap must be"):
        PatchGrid.build((10, 10), 4, overlap)  # type: ignore[arg-type]
