"""The operator contract: what every :class:`~promethium.ops.Operator` must do.

Every operator in :mod:`promethium.ops` passes :func:`assert_operator_contract` (the
test suite runs it over the whole module), and an operator written elsewhere should
too::

    from promethium.testing import assert_operator_contract

    def test_my_operator_contract():
        assert_operator_contract(MyOperator(0.5))

Needs ``hypothesis`` (imported when called) to draw the chunkings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.chunks import RECHUNK_ATTR
from promethium.core.dims import trace_dim, vertical_dim
from promethium.ops.base import Operator
from promethium.ops.pipeline import Pipeline

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["assert_operator_contract", "count_computes"]


@contextmanager
def count_computes() -> Iterator[Callable[[], int]]:
    """Run dask synchronously inside the block and count the graphs it computes.

    Yields
    ------
    callable
        Returns the number of computes so far.

    Examples
    --------
    >>> import dask.array as dska
    >>> with count_computes() as computes:
    ...     total = dska.ones(4, chunks=2).sum()
    ...     before = computes()
    ...     _ = total.compute()
    >>> before, computes()
    (0, 1)
    """
    import dask

    calls = 0

    def scheduler(dsk: Any, keys: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return dask.get(dsk, keys, **kwargs)

    with dask.config.set(scheduler=scheduler):
        yield lambda: calls


def _steps(op: Operator) -> tuple[Operator, ...]:
    return op.operators if isinstance(op, Pipeline) else (op,)


def _written(op: Operator, da: xr.DataArray) -> set[str]:
    names = {name for step in _steps(op) for name in step.writes_coords}
    if "vertical" in names:
        names.add(vertical_dim(da))
    return names


def _whole_dims(op: Operator, da: xr.DataArray) -> set[str]:
    roles = {role for step in _steps(op) for role in step.whole}
    dims = {"vertical": vertical_dim(da), "trace": trace_dim(da)}
    return {dims[role] for role in roles}


def _assert_kept(name: str, op: Operator, da: xr.DataArray, out: xr.DataArray) -> None:
    """Dims, sizes, coordinates and attrs kept; the history grows by one line a step."""
    import xarray as xr

    assert isinstance(out, xr.DataArray), (
        f"{name}: an operator must return an xarray.DataArray, got {type(out).__name__}"
    )
    assert out.dims == da.dims, f"{name}: dims changed from {da.dims} to {out.dims}"
    written = _written(op, da)
    for dim in da.dims:
        if dim not in written:
            assert out.sizes[dim] == da.sizes[dim], (
                f"{name}: the size of {dim!r} changed from {da.sizes[dim]} to {out.sizes[dim]}"
            )
    for coord in set(da.coords) - written:
        assert coord in out.coords, f"{name}: coordinate {coord!r} was dropped"
        assert out.coords[coord].variable.identical(da.coords[coord].variable), (
            f"{name}: coordinate {coord!r} (values, dims or attrs) changed"
        )
    extra = set(out.coords) - set(da.coords) - written
    assert not extra, f"{name}: added coordinates {sorted(map(str, extra))} it does not declare"
    for key, value in da.attrs.items():
        if key != "history":
            assert key in out.attrs and np.array_equal(out.attrs[key], value), (
                f"{name}: attribute {key!r} was dropped or changed"
            )
    before = da.attrs.get("history", "").splitlines()
    after = str(out.attrs.get("history", "")).splitlines()
    steps = _steps(op)
    assert after[: len(before)] == before and len(after) == len(before) + len(steps), (
        f"{name}: the history must keep its lines and gain one per step ({len(steps)}); "
        f"got {after[len(before) :]!r}"
    )
    for line, step in zip(after[len(before) :], steps):
        assert repr(step) in line, f"{name}: history line {line!r} does not record {step!r}"


def _assert_dtype(name: str, op: Operator, da: xr.DataArray) -> None:
    """Float in: the same float out; anything else: floating out."""
    variants = [da.astype(t) for t in ("float32", "float64")] + [da.astype("int16")]
    for variant in variants:
        variant.attrs = dict(da.attrs)
        out = op(variant)
        if np.issubdtype(variant.dtype, np.floating):
            assert out.dtype == variant.dtype, (
                f"{name}: {variant.dtype} input gave {out.dtype}; floating data keep their dtype"
            )
        else:
            assert np.issubdtype(out.dtype, np.floating), (
                f"{name}: {variant.dtype} input gave {out.dtype}; results are floating"
            )


def _assert_equal(
    name: str, lazy: xr.DataArray, eager: xr.DataArray, layout: dict[str, Any], tol: float
) -> None:
    """A computed lazy result equals the in-memory one: values, coordinates, attrs."""
    computed = lazy.compute()
    where = f"with input chunks {layout}; results must not depend on chunking"
    assert computed.sizes == eager.sizes, f"{name}: shape {dict(computed.sizes)} {where}"
    diff = np.abs(np.asarray(computed.values, np.float64) - np.asarray(eager.values, np.float64))
    worst = float(np.nanmax(diff, initial=0.0))
    assert worst <= tol and np.array_equal(np.isnan(computed.values), np.isnan(eager.values)), (
        f"{name}: the dask result differs from the in-memory one by up to {worst:.3g} "
        f"(tolerance {tol:.3g}) {where}"
    )
    assert set(computed.coords) == set(eager.coords), f"{name}: coordinates differ {where}"
    for coord in eager.coords:
        ours, theirs = np.asarray(computed.coords[coord].values), np.asarray(eager[coord].values)
        same = (
            np.allclose(ours, theirs, rtol=1e-6, equal_nan=True)
            if np.issubdtype(theirs.dtype, np.number)
            else np.array_equal(ours, theirs)
        )
        assert same, f"{name}: coordinate {coord!r} differs {where}"
    attrs = {k: v for k, v in computed.attrs.items() if k != RECHUNK_ATTR}
    assert attrs.keys() == eager.attrs.keys(), f"{name}: attrs differ {where}"


def _draw_chunks(draw: Any, da: xr.DataArray, whole: set[str], max_blocks: int) -> dict[str, int]:
    """Chunk sizes for each dim, down to 1, with at most `max_blocks` blocks in all.

    The dims are visited in a drawn order, each taking what is left of the block
    budget, so any dim can be split finely (while graphs stay small).
    """
    from hypothesis import strategies as st

    dims = [str(d) for d in da.dims]
    chunks = {dim: -1 for dim in dims if dim in whole}
    blocks = 1
    for dim in draw.draw(st.permutations([d for d in dims if d not in whole]), label="order"):
        size = da.sizes[dim]
        fewest = -(-size // max(1, max_blocks // blocks))
        chunks[dim] = draw.draw(st.integers(fewest, size), label=dim)
        blocks *= -(-size // chunks[dim])
    return chunks


def assert_operator_contract(
    op: Operator,
    da: xr.DataArray | None = None,
    *,
    max_examples: int = 10,
    max_blocks: int = 48,
    rtol: float = 1e-5,
) -> None:
    """Assert that an operator fulfils the operator contract.

    1. the input is not modified;
    2. the result is a DataArray with the input's dims; sizes, coordinates (values,
       dims and attrs) and attrs are kept, except the coordinates the operator
       declares in :attr:`~promethium.ops.Operator.writes_coords`;
    3. ``attrs["history"]`` keeps its lines and gains one per step, recording
       ``repr`` of the step;
    4. float32 and float64 input give the same dtype out; integer input gives
       floating output;
    5. dask input gives a dask-backed result and nothing is computed until
       ``.compute()``;
    6. the dask result equals the in-memory one (values within `rtol` of the peak,
       coordinates, attrs) for any chunking: hypothesis draws `max_examples`
       chunkings, any dim down to chunks of one (axes the operator needs whole stay
       whole), with at most `max_blocks` blocks.

    Parameters
    ----------
    op : Operator
        The operator to test.
    da : xarray.DataArray, optional
        Data it applies to; by default :func:`promethium.testing.contract_data` (two
        float32 shot gathers with a ``trace_mask``). A dask-backed `da` is computed
        first.
    max_examples : int
        Chunkings drawn for item 6.
    max_blocks : int
        Most dask blocks in a drawn chunking (keeps the graphs small).
    rtol : float
        Tolerance of item 6, relative to the largest absolute value of the result.

    Raises
    ------
    AssertionError
        Naming the operator and the broken item.

    Examples
    --------
    >>> from promethium import ops
    >>> assert_operator_contract(ops.Normalize(), max_examples=2)
    """
    import dask.array as dska
    import xarray as xr
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    if da is None:
        from promethium.testing import contract_data

        da = contract_data()
    data = da.compute()
    name = repr(op)
    before = data.copy(deep=True)
    eager = op(data)
    try:
        xr.testing.assert_identical(data, before)
    except AssertionError as exc:
        raise AssertionError(f"{name}: the input was modified: {exc}") from None
    _assert_kept(name, op, data, eager)
    _assert_dtype(name, op, data)
    peak = float(np.nanmax(np.abs(np.asarray(eager.values, np.float64)), initial=0.0))
    tol = rtol * max(peak, np.finfo(np.float32).tiny)
    whole = _whole_dims(op, data)

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def any_chunking(draw: st.DataObject) -> None:
        chunks = _draw_chunks(draw, data, whole, max_blocks)
        lazy_in = data.chunk(chunks)
        with count_computes() as computes:
            lazy = op(lazy_in)
        assert computes() == 0, (
            f"{name}: computed {computes()} dask graph(s) on dask input; an operator must "
            "stay lazy until .compute()"
        )
        assert isinstance(lazy.data, dska.Array), (
            f"{name}: dask input gave {type(lazy.data).__name__}, not a dask array"
        )
        _assert_equal(name, lazy, eager, chunks, tol)

    any_chunking()
