"""Test helpers for Promethium and its plugins: the model contract, assertions, strategies.

Every registered model must pass :func:`assert_reconstruction_contract` (which also
checks its option schema with :func:`assert_options_schema`); a plugin's own test suite
runs it too::

    from promethium.testing import assert_reconstruction_contract

    def test_my_model_contract():
        assert_reconstruction_contract("my-model")

The assertions raise plain :class:`AssertionError` with a message saying what broke,
so they work under any test runner. The hypothesis strategies (:func:`seismic_arrays`,
:func:`trace_masks`) need ``hypothesis``, imported only when they are called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from promethium.core.dims import batch_dims, trace_dim, trace_dims, vertical_dim
from promethium.core.mask import TRACE_FILLED, TRACE_MASK, get_trace_mask, with_trace_mask
from promethium.ops.contract import assert_operator_contract
from promethium.plugin import ModelSpec, Reconstructor, assert_options_schema

if TYPE_CHECKING:
    import xarray as xr
    from hypothesis.strategies import SearchStrategy

__all__ = [
    "assert_operator_contract",
    "assert_options_schema",
    "assert_reconstruction_contract",
    "assert_same_geometry",
    "contract_data",
    "seismic_arrays",
    "trace_masks",
]

#: Trace dim names drawn by :func:`seismic_arrays`.
TRACE_DIM_NAMES = ("offset", "trace", "cdp", "xline", "receiver")
#: Batch dim names drawn by :func:`seismic_arrays`.
BATCH_DIM_NAMES = ("shot", "iline")
#: Vertical (dim, unit) pairs drawn by :func:`seismic_arrays`.
VERTICAL_UNITS = (("time", "ms"), ("time", "s"), ("time", "us"), ("depth", "m"))


def assert_same_geometry(actual: xr.DataArray, expected: xr.DataArray) -> None:
    """Assert that two DataArrays have the same dims, shape and coordinates.

    Coordinates must have the same names, dims and values (NaN equal to NaN); data
    values are not compared.

    Parameters
    ----------
    actual : xarray.DataArray
        The array to check, e.g. a reconstruction.
    expected : xarray.DataArray
        The array whose geometry it must have, e.g. the input.

    Raises
    ------
    AssertionError
        Naming the first difference.

    Examples
    --------
    >>> import promethium as pm
    >>> da = pm.synthetic_gather(n_traces=4, n_samples=8)
    >>> assert_same_geometry(da * 2, da)
    """
    import xarray as xr

    assert isinstance(actual, xr.DataArray), (
        f"expected an xarray.DataArray, got {type(actual).__name__}"
    )
    assert actual.dims == expected.dims, f"dims differ: {actual.dims} != {expected.dims}"
    assert actual.shape == expected.shape, f"shape differs: {actual.shape} != {expected.shape}"
    missing = set(expected.coords) - set(actual.coords)
    extra = set(actual.coords) - set(expected.coords)
    assert not missing and not extra, (
        f"coordinates differ: missing {sorted(map(str, missing))}, "
        f"unexpected {sorted(map(str, extra))}"
    )
    for name, coord in expected.coords.items():
        other = actual.coords[name]
        assert other.dims == coord.dims, (
            f"coordinate {name!r} dims differ: {other.dims} != {coord.dims}"
        )
        assert other.variable.equals(coord.variable), f"coordinate {name!r} values differ"


def contract_data(seed: int = 0) -> xr.DataArray:
    """The default data of the contract suite: two small shot gathers, 35 % traces missing.

    Parameters
    ----------
    seed : int, default 0
        Seed of both the synthetic shots and the random mask; the same seed gives the
        same data.

    Returns
    -------
    xarray.DataArray
        A float32 ``(shot, offset, time)`` array of 2 x 32 x 64 samples, in memory,
        with 11 of the 32 traces of each shot zeroed and a ``trace_mask`` coordinate
        marking them False.

    Examples
    --------
    >>> da = contract_data()
    >>> da.dims, da.shape, da.dtype.name
    (('shot', 'offset', 'time'), (2, 32, 64), 'float32')
    >>> (~da.trace_mask).sum("offset").values.tolist()
    [11, 11]
    """
    from promethium.core.mask import apply_trace_mask, random_mask
    from promethium.synthetic import synthetic_shots

    shots = synthetic_shots(n_shots=2, n_traces=32, n_samples=64, seed=seed)
    return apply_trace_mask(shots, random_mask(shots, 0.35, seed=seed))


def _assert_schema(spec: ModelSpec) -> None:
    """Item 0: a complete schema whose names pm.reconstruct's own parameters do not hide."""
    import inspect

    from promethium.reconstruct import reconstruct

    assert_options_schema(spec.options, owner=f"model {spec.name!r}")
    front = {
        name
        for name, p in inspect.signature(reconstruct).parameters.items()
        if p.kind is p.KEYWORD_ONLY or name == "model"
    }
    hidden = sorted(front & set(spec.options.model_fields))
    assert not hidden, (
        f"model {spec.name!r}: option {hidden[0]!r} has the name of a parameter of "
        "pm.reconstruct, so users can never set it; rename the option"
    )


def _resolve(model: str | ModelSpec) -> tuple[ModelSpec, Reconstructor]:
    """The spec (its option schema checked first) and the built model."""
    if isinstance(model, str):
        from promethium.plugins import default_registry

        registry = default_registry()
        spec = registry.get(model)
        _assert_schema(spec)
        return spec, registry.build(model)
    assert isinstance(model, ModelSpec), (
        f"model must be a registered name or a ModelSpec (wrap a Reconstructor as "
        f"ModelSpec(name=..., family=..., factory=..., options=...)); got {type(model).__name__}"
    )
    _assert_schema(model)
    built = model.factory(**dict(model.config))
    assert isinstance(built, Reconstructor), (
        f"the factory of model {model.name!r} must return a Reconstructor (an object with "
        f"`reconstruct(da, options)`); got {type(built).__name__}"
    )
    return model, built


def _prepare(da: xr.DataArray | None) -> tuple[xr.DataArray, xr.DataArray | None]:
    """Contract data in memory with an in-memory boolean trace mask, and its dask form.

    The first array is the truly in-memory reference (a dask `da` is computed); the
    second is `da` itself with the same mask when it is dask-backed, else None.
    """
    import dask.array as dska

    if da is None:
        return contract_data(), None
    mask = get_trace_mask(da).transpose(*trace_dims(da))
    marked = with_trace_mask(da, np.asarray(mask.values, dtype=bool))
    if isinstance(marked.data, dska.Array):
        return marked.compute(), marked
    return marked, None


class _ComputeCounter:
    """A dask scheduler that records every compute and runs it synchronously."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, dsk: Any, keys: Any, **kwargs: Any) -> Any:
        import dask

        self.calls += 1
        return dask.get(dsk, keys, **kwargs)


def _run(
    model: str | ModelSpec,
    reconstructor: Reconstructor,
    da: xr.DataArray,
    options: Mapping[str, Any],
) -> xr.DataArray:
    """Run `model` as a user would: by name through the front door, else directly."""
    if isinstance(model, str):
        from promethium.reconstruct import reconstruct

        out = reconstruct(da, model=model, **options)
    else:
        out = reconstructor.reconstruct(da, model.options.parse(options, owner=model.name))
    return cast("xr.DataArray", out)


def _default_chunks(da: xr.DataArray) -> dict[str, int]:
    chunks = {d: 1 for d in batch_dims(da)}
    chunks[trace_dim(da)] = -1
    vdim = vertical_dim(da)
    chunks[vdim] = max(1, -(-da.sizes[vdim] // 2))
    return chunks


def _trace_split_chunks(da: xr.DataArray) -> dict[str, int]:
    """The default chunks with the trace axis split in (about) three."""
    chunks = _default_chunks(da)
    tdim = trace_dim(da)
    chunks[tdim] = max(1, da.sizes[tdim] // 3)
    return chunks


def assert_reconstruction_contract(
    model: str | ModelSpec,
    da: xr.DataArray | None = None,
    *,
    check_live: bool = True,
    chunks: Mapping[str, int] | None = None,
    rtol: float = 1e-4,
    sample_computes: int = 0,
    **options: Any,
) -> None:
    """Assert that a model fulfils the reconstruction contract.

    A registered model name runs through :func:`promethium.reconstruct` (the path users
    take); a :class:`~promethium.plugin.ModelSpec` (e.g. one not registered yet) is
    built with its default config and its ``reconstruct`` run directly with `options`
    validated against its schema. The contract:

    0. the option schema is complete, its defaults valid
       (:func:`~promethium.plugin.assert_options_schema`), and no option is named like
       a parameter of :func:`promethium.reconstruct` (which would hide it);
    1. the input is not modified;
    2. the result has the input's dims, shape and coordinates;
    3. every sample is finite;
    4. live traces are unchanged (within `rtol` of the data's peak);
    5. missing traces next to a live trace are filled (not all zero);
    6. dask input gives a dask-backed result and nothing is computed before
       ``.compute()`` (but for up to `sample_computes` computations of a sample, for a
       model that decides on one, as ``auto`` does);
    7. the dask result equals the in-memory result (within `rtol` of its peak), both
       with the chunks of item 6 and with the trace axis split into about three
       chunks (a result must not depend on chunking along any axis).

    Parameters
    ----------
    model : str or ModelSpec
        What to test: a registered name, or a spec.
    da : xarray.DataArray, optional
        Data with missing traces; by default :func:`contract_data`. Its trace mask (or
        the inferred one) is attached in memory. A dask-backed `da` is computed for the
        in-memory run and used as it is chunked for the first dask run.
    check_live : bool
        Check item 4. Pass False for a ModelSpec whose raw output replaces live
        traces too (the front door restores them).
    chunks : mapping, optional
        Chunks of the first dask run; by default the chunks of a dask-backed `da`,
        else one chunk per batch index, the whole trace axis, and the vertical axis in
        two. A second dask run always splits the trace axis into about three chunks.
    rtol : float
        Tolerance of items 4 and 7, relative to the largest absolute value.
    sample_computes : int
        How many dask computations building the result may run (item 6): 0 but for a
        model that computes a sample of the data to decide how to run (``auto``).
    **options
        Options of the model (validated against its schema).

    Raises
    ------
    AssertionError
        Naming the broken item.

    Examples
    --------
    >>> assert_reconstruction_contract("linear")
    >>> from promethium.models.classical.linear import LinearInterpolation, LinearOptions
    >>> spec = ModelSpec(name="mine", family="demo", factory=LinearInterpolation,
    ...                  options=LinearOptions)
    >>> assert_reconstruction_contract(spec, coord="offset")
    """
    import xarray as xr

    spec, reconstructor = _resolve(model)
    name = spec.name
    data, lazy_source = _prepare(da)
    before = data.copy(deep=True)

    out = _run(model, reconstructor, data, options)
    assert isinstance(out, xr.DataArray), (
        f"{name}: reconstruct must return an xarray.DataArray, got {type(out).__name__}"
    )
    try:
        xr.testing.assert_identical(data, before)
    except AssertionError as exc:
        raise AssertionError(f"{name}: the input was modified: {exc}") from None
    live = np.asarray(get_trace_mask(data).transpose(*trace_dims(data)).values, dtype=bool)
    if TRACE_FILLED in out.coords and TRACE_FILLED not in data.coords:
        # The front door marks what it filled: here, every missing trace.
        filled = np.asarray(out.coords[TRACE_FILLED].transpose(*trace_dims(data)).values)
        assert np.array_equal(filled, ~live), (
            f"{name}: trace_filled must mark exactly the missing traces, which were filled"
        )
        out = out.drop_vars(TRACE_FILLED)
    try:
        assert_same_geometry(out, data)
    except AssertionError as exc:
        raise AssertionError(f"{name}: result geometry differs from the input: {exc}") from None
    values = np.asarray(out.values, dtype=np.float64)
    assert np.all(np.isfinite(values)), (
        f"{name}: the result has {int(np.sum(~np.isfinite(values)))} non-finite samples"
    )
    observed = np.asarray(data.values, dtype=np.float64)
    peak = max(float(np.max(np.abs(observed))), np.finfo(np.float32).tiny)
    if check_live:
        error = float(np.max(np.abs(values[live] - observed[live]), initial=0.0))
        assert error <= rtol * peak, (
            f"{name}: live traces changed by up to {error:.3g} (tolerance {rtol * peak:.3g}); "
            "a reconstruction must keep the observed traces"
        )
    _assert_filled(name, values, observed, live)

    if chunks is not None:
        first = data.chunk(dict(chunks))
    elif lazy_source is not None:
        first = lazy_source
    else:
        first = data.chunk(_default_chunks(data))
    scale = max(float(np.max(np.abs(values))), np.finfo(np.float32).tiny)
    for lazy_in in (first, data.chunk(_trace_split_chunks(data))):
        _assert_lazy_equal(
            name, model, reconstructor, lazy_in, options, values, rtol * scale, sample_computes
        )


def _assert_lazy_equal(
    name: str,
    model: str | ModelSpec,
    reconstructor: Reconstructor,
    lazy_in: xr.DataArray,
    options: Mapping[str, Any],
    values: np.ndarray,
    tolerance: float,
    sample_computes: int = 0,
) -> None:
    """Items 6 and 7 for one chunking of the input."""
    import dask
    import dask.array as dska
    import xarray as xr

    layout = {str(d): tuple(c) for d, c in lazy_in.chunksizes.items()}
    counter = _ComputeCounter()
    with dask.config.set(scheduler=counter):
        lazy = _run(model, reconstructor, lazy_in, options)
    assert counter.calls <= sample_computes, (
        f"{name}: reconstruct computed {counter.calls} dask graph(s) on dask input; it must "
        "stay lazy until .compute()"
        + (f" (but for {sample_computes} of a sample)" if sample_computes else "")
    )
    assert isinstance(lazy, xr.DataArray) and isinstance(lazy.data, dska.Array), (
        f"{name}: dask input must give a dask-backed DataArray, got "
        f"{type(getattr(lazy, 'data', lazy)).__name__}"
    )
    computed = np.asarray(lazy.compute().values, dtype=np.float64)
    diff = float(np.max(np.abs(computed - values)))
    assert diff <= tolerance, (
        f"{name}: the dask result differs from the in-memory result by up to {diff:.3g} "
        f"(tolerance {tolerance:.3g}) with input chunks {layout}; results must not depend "
        "on chunking"
    )


def _assert_filled(name: str, values: np.ndarray, observed: np.ndarray, live: np.ndarray) -> None:
    """Missing traces with a live, non-zero neighbour along the trace axis are not zero."""
    energy = np.abs(observed).sum(axis=-1) > 0
    source = live & energy
    neighbour = np.zeros_like(live)
    neighbour[..., 1:] |= source[..., :-1]
    neighbour[..., :-1] |= source[..., 1:]
    target = ~live & neighbour
    if not target.any():
        return
    empty = ~np.any(values[target] != 0, axis=-1)
    assert not empty.any(), (
        f"{name}: {int(empty.sum())} of {int(target.sum())} missing traces next to a live "
        "trace were left all zero; missing traces must be filled"
    )


def seismic_arrays(
    *,
    min_traces: int = 2,
    max_traces: int = 16,
    min_samples: int = 4,
    max_samples: int = 32,
    max_batch_dims: int = 1,
    chunked: bool | None = None,
    dtype: str = "float32",
) -> SearchStrategy[xr.DataArray]:
    """Hypothesis strategy for DataArrays following Promethium's data conventions.

    Draws 0 to `max_batch_dims` batch dims, a trace dim with an increasing numeric
    coordinate in metres, and a vertical dim (``time`` in ms, s or us, or ``depth`` in
    m) with a regular coordinate; data are finite. With `chunked` (drawn when None),
    the array is dask-backed with random chunks along every dim, the trace axis
    included.

    Parameters
    ----------
    min_traces, max_traces : int
        Bounds on the size of the trace dim.
    min_samples, max_samples : int
        Bounds on the size of the vertical dim.
    max_batch_dims : int
        Most batch dims drawn (``shot``, then ``iline``), each of size 1 to 3.
    chunked : bool, optional
        True for dask-backed arrays, False for NumPy-backed ones; None draws either.
    dtype : str
        NumPy dtype of the data.

    Returns
    -------
    hypothesis.strategies.SearchStrategy
        Strategy of :class:`xarray.DataArray`.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, deadline=None, database=None)
    ... @given(seismic_arrays(max_traces=4, chunked=False))
    ... def check(da):
    ...     assert da.dims[-1] in ("time", "depth") and 2 <= da.shape[-2] <= 4
    >>> check()
    """
    import xarray as xr
    from hypothesis import strategies as st

    @st.composite
    def build(draw: Any) -> xr.DataArray:
        n_batch = draw(st.integers(0, max_batch_dims))
        bdims = list(BATCH_DIM_NAMES[:n_batch])
        tdim = draw(st.sampled_from(TRACE_DIM_NAMES))
        vdim, unit = draw(st.sampled_from(VERTICAL_UNITS))
        shape = [draw(st.integers(1, 3)) for _ in bdims]
        shape += [draw(st.integers(min_traces, max_traces))]
        shape += [draw(st.integers(min_samples, max_samples))]
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        step = {"ms": 4.0, "s": 0.004, "us": 4000.0, "m": 5.0}[unit]
        spacing = draw(st.sampled_from(["regular", "irregular"]))
        gaps = np.ones(shape[-2]) if spacing == "regular" else rng.uniform(0.5, 3.0, shape[-2])
        coords: dict[str, Any] = {d: (d, np.arange(1, n + 1)) for d, n in zip(bdims, shape[:-2])}
        coords[tdim] = (tdim, 25.0 * np.cumsum(gaps), {"units": "m"})
        coords[vdim] = (vdim, np.arange(shape[-1]) * step, {"units": unit})
        data = rng.standard_normal(shape).astype(dtype)
        da = xr.DataArray(data, dims=(*bdims, tdim, vdim), coords=coords, name="amplitude")
        if chunked if chunked is not None else draw(st.booleans()):
            sizes = {d: draw(st.integers(1, n)) for d, n in zip(bdims, shape[:-2])}
            sizes[tdim] = draw(st.integers(1, shape[-2]))
            sizes[vdim] = draw(st.integers(1, shape[-1]))
            da = da.chunk(sizes)
        return da

    return build()


def trace_masks(da: xr.DataArray, *, min_live: int = 1) -> SearchStrategy[xr.DataArray]:
    """Hypothesis strategy for trace masks of `da`: boolean over its trace dims.

    Each panel (index of the batch dims) keeps at least `min_live` live traces.

    Parameters
    ----------
    da : xarray.DataArray
        The data the masks are for; the masks span its trace dims and copy their
        1-D coordinates.
    min_live : int, default 1
        Fewest live traces in each panel (capped at the number of traces).

    Returns
    -------
    hypothesis.strategies.SearchStrategy
        Strategy of boolean :class:`xarray.DataArray` named ``trace_mask``, usable with
        :func:`promethium.apply_trace_mask` or :func:`promethium.with_trace_mask`.

    Raises
    ------
    InvalidDataError
        If `da` does not follow the dim conventions (vertical dim last).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> da = contract_data()
    >>> @settings(max_examples=5, deadline=None, database=None)
    ... @given(trace_masks(da, min_live=2))
    ... def check(mask):
    ...     assert mask.dims == ("shot", "offset") and bool((mask.sum("offset") >= 2).all())
    >>> check()
    """
    import xarray as xr
    from hypothesis import strategies as st

    dims = trace_dims(da)
    shape = tuple(da.sizes[d] for d in dims)
    n = shape[-1]
    min_live = min(max(min_live, 0), n)

    @st.composite
    def build(draw: Any) -> xr.DataArray:
        panels = int(np.prod(shape[:-1], dtype=int))
        rows = []
        for _ in range(panels):
            row = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
            if row.sum() < min_live:
                order = draw(st.permutations(range(n)))
                row[list(order[:min_live])] = True
            rows.append(row)
        values = np.array(rows, dtype=bool).reshape(shape)
        coords = {d: da.coords[d] for d in dims if d in da.coords and da.coords[d].dims == (d,)}
        return xr.DataArray(values, dims=dims, coords=coords, name=TRACE_MASK)

    return build()
