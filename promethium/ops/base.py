"""The Operator base class: DataArray in, DataArray out, lazily.

An :class:`Operator` maps a seismic DataArray to another, lazily. A subclass writes one
method, :meth:`Operator.transform`, which works on a NumPy block; the base class
validates the input, applies the transform to in-memory data at once or to each dask
block (with ``map_overlap`` when the operator declares a halo), and records the
operator in ``attrs["history"]``. Operators compose with ``|`` into a
:class:`Pipeline`, itself an Operator.

Writing an operator::

    class Scale(Operator):
        def __init__(self, factor: float) -> None:
            self.factor = factor

        def transform(self, data, context):
            return data * self.factor
"""

from __future__ import annotations

import abc
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from promethium.core.axis import sample_interval
from promethium.core.chunks import RECHUNK_ATTR, merge_small_chunks
from promethium.core.dims import trace_dim, vertical_dim
from promethium.core.history import append_history
from promethium.core.units import is_time_unit, unit_of
from promethium.errors import InvalidDataError

if TYPE_CHECKING:
    import xarray as xr

    from promethium.ops.pipeline import Pipeline

__all__ = ["BlockContext", "Operator", "WholeArrayOperator"]

#: Roles an operator can ask to see whole in every block.
_ROLES = ("vertical", "trace")


@dataclass(frozen=True)
class BlockContext:
    """What an operator's :meth:`~Operator.transform` knows about its block.

    Attributes
    ----------
    dims : tuple of str
        Dims of the block, the vertical dim last.
    sample_interval : float
        Vertical sample interval: seconds on a time axis, metres on a depth axis.
    vertical_unit : str
        ``"s"`` on a time axis, ``"m"`` on a depth axis: the unit of
        `sample_interval` and of the ``"vertical"`` entry of `coords`.
    coords : dict of str to numpy.ndarray
        The coordinates the operator asked for in :attr:`Operator.coords_needed`,
        broadcast to the block's shape (halo included). ``"vertical"`` gives the
        vertical coordinate in `vertical_unit`.
    """

    dims: tuple[str, ...]
    sample_interval: float
    vertical_unit: str
    coords: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def vertical_axis(self) -> int:
        """Axis number of the vertical dim in the block (always the last)."""
        return len(self.dims) - 1

    @property
    def trace_axis(self) -> int:
        """Axis number of the trace dim in the block."""
        return len(self.dims) - 2


class Operator(abc.ABC):
    """Base class of every processing step: DataArray in, DataArray out, lazily.

    Subclasses implement :meth:`transform`, and may set:

    - :attr:`whole`: roles (``"vertical"``, ``"trace"``) whose dim must lie whole in
      each dask block (an FFT along time needs the whole trace);
    - :attr:`coords_needed`: coordinate names passed to :meth:`transform`, broadcast
      to the block (``"vertical"`` means the vertical coordinate);
    - :meth:`halo`: samples of context per dim, applied with ``map_overlap``.

    Operators that cannot work block by block override :meth:`apply` instead.
    """

    whole: ClassVar[tuple[str, ...]] = ()
    coords_needed: tuple[str, ...] = ()

    # -- the steps a subclass fills in -------------------------------------------------
    @abc.abstractmethod
    def transform(self, data: np.ndarray, context: BlockContext) -> np.ndarray:
        """Transform one NumPy block (halo included) and return the same shape.

        Parameters
        ----------
        data : numpy.ndarray
            One block of samples, dims as in ``context.dims`` (vertical last), with
            the halo of :meth:`halo` on each side where the data are chunked.
        context : BlockContext
            Sample interval, vertical unit, dims and the coordinates named in
            :attr:`coords_needed`, broadcast to the block.

        Returns
        -------
        numpy.ndarray
            The transformed block, same shape as `data`.
        """

    def halo(self, da: xr.DataArray) -> dict[str, int]:
        """Samples of context this operator needs on each side, per dim name.

        Parameters
        ----------
        da : xarray.DataArray
            The data about to be transformed (to convert physical lengths to samples).

        Returns
        -------
        dict of str to int
            Halo width in samples per dim; empty (the default) for no overlap.
        """
        return {}

    def output_dtype(self, da: xr.DataArray) -> np.dtype:
        """Dtype of the result: floating, the input's if it is floating.

        Parameters
        ----------
        da : xarray.DataArray
            The input data.

        Returns
        -------
        numpy.dtype
            ``da.dtype`` if floating, else float32.
        """
        return da.dtype if np.issubdtype(da.dtype, np.floating) else np.dtype("float32")

    def params(self) -> dict[str, Any]:
        """The operator's parameters, as recorded in the history.

        By default, the instance attributes named like the constructor's parameters.

        Returns
        -------
        dict of str to Any
            Parameter names and values, in constructor order; also used by ``repr``.
        """
        names = list(inspect.signature(type(self).__init__).parameters)[1:]
        return {n: getattr(self, n) for n in names if hasattr(self, n)}

    # -- the fixed pipeline ------------------------------------------------------------
    def __call__(self, da: xr.DataArray) -> xr.DataArray:
        """Validate `da`, apply the operator, and record it in the history.

        Parameters
        ----------
        da : xarray.DataArray
            Seismic data, vertical dim last, NumPy- or dask-backed; not modified.

        Returns
        -------
        xarray.DataArray
            The result, lazy when `da` is, with ``repr(self)`` appended to
            ``attrs["history"]``.

        Raises
        ------
        InvalidDataError
            If `da` breaks the data conventions, lacks a coordinate the operator needs,
            or splits an axis the operator needs whole.
        UnitError
            If the vertical coordinate has no known unit.
        """
        from promethium.core.validate import validate

        validate(da, check_mask=False)
        out = self.apply(da)
        return append_history(out, repr(self))

    def apply(self, da: xr.DataArray) -> xr.DataArray:
        """Apply :meth:`transform` to in-memory data at once, or block by block.

        Dask data are processed with ``map_blocks`` (or ``map_overlap`` with the
        :meth:`halo`), nothing computed; chunks smaller than the halo are merged and
        the merge is recorded in ``attrs["promethium_rechunked"]``.

        Parameters
        ----------
        da : xarray.DataArray
            Seismic data, vertical dim last; not validated, not modified.

        Returns
        -------
        xarray.DataArray
            Same dims and coords as `da`, dtype from :meth:`output_dtype`; no history
            line is added.

        Raises
        ------
        InvalidDataError
            If a needed coordinate is missing or an axis in :attr:`whole` is split
            across chunks.
        """
        import dask.array as dska

        context = self._context(da)
        coords = self._coord_arrays(da, context)
        dtype = self.output_dtype(da)
        data = da.data
        if not isinstance(data, dska.Array):
            result = self.transform(np.asarray(data), replace(context, coords=coords))
            return da.copy(data=np.asarray(result, dtype=dtype))
        self._check_chunks(da)
        halo = self.halo(da)
        da, rechunked = self._merge_small_chunks(da, halo)
        data = da.data
        chunked = [
            dska.broadcast_to(
                dska.from_array(
                    c, chunks=tuple(ch if n > 1 else (1,) for ch, n in zip(data.chunks, c.shape))
                ),
                data.shape,
                chunks=data.chunks,
            )
            for c in coords.values()
        ]
        names = list(coords)

        def run(block: np.ndarray, *coord_blocks: np.ndarray) -> np.ndarray:
            ctx = replace(context, coords=dict(zip(names, coord_blocks)))
            return np.asarray(self.transform(block, ctx), dtype=dtype)

        depth = {
            da.get_axis_num(d): int(h)
            for d, h in halo.items()
            if h and len(da.chunksizes.get(d, ())) > 1
        }
        if depth:
            result = dska.map_overlap(
                run,
                data,
                *chunked,
                depth=depth,
                boundary="none",
                trim=True,
                dtype=dtype,
                meta=np.empty((0,) * data.ndim, dtype=dtype),
            )
        else:
            result = dska.map_blocks(
                run, data, *chunked, dtype=dtype, meta=np.empty((0,) * data.ndim, dtype=dtype)
            )
        out = da.copy(data=result)
        if rechunked:
            note = f"{type(self).__name__} merged chunks smaller than its halo: " + "; ".join(
                rechunked
            )
            out.attrs[RECHUNK_ATTR] = note
        return out

    # -- composition -------------------------------------------------------------------
    def __or__(self, other: Operator) -> Pipeline:
        from promethium.ops.pipeline import Pipeline

        if not isinstance(other, Operator):
            return NotImplemented
        return Pipeline(self, other)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"

    # -- helpers -----------------------------------------------------------------------
    def _context(self, da: xr.DataArray) -> BlockContext:
        vdim = vertical_dim(da)
        unit = unit_of(da.coords[vdim], what=f"vertical coordinate {vdim!r}")
        vertical_unit = "s" if is_time_unit(unit) else "m"
        return BlockContext(
            dims=tuple(str(d) for d in da.dims),
            sample_interval=sample_interval(da, vertical_unit),
            vertical_unit=vertical_unit,
        )

    def _coord_arrays(self, da: xr.DataArray, context: BlockContext) -> dict[str, np.ndarray]:
        from promethium.core.axis import vertical_values

        out: dict[str, np.ndarray] = {}
        for name in self.coords_needed:
            if name == "vertical":
                values = vertical_values(da, context.vertical_unit)
                out[name] = values.reshape((1,) * (da.ndim - 1) + (-1,))
                continue
            if name not in da.coords:
                raise InvalidDataError(
                    f"{type(self).__name__} needs the coordinate {name!r}, which the data "
                    f"lack; assign it with da.assign_coords({name}=...)."
                )
            coord = da.coords[name]
            missing = set(coord.dims) - set(da.dims)
            if missing:
                raise InvalidDataError(f"coordinate {name!r} has dims {missing} not in data.")
            shape = [da.sizes[d] if d in coord.dims else 1 for d in da.dims]
            values = coord.transpose(*[d for d in da.dims if d in coord.dims]).values
            out[name] = np.asarray(values).reshape(shape)
        return out

    def _check_chunks(self, da: xr.DataArray) -> None:
        dims = {"vertical": vertical_dim(da), "trace": trace_dim(da)}
        for role in self.whole:
            if role not in _ROLES:
                raise TypeError(f"{type(self).__name__}.whole has an unknown role {role!r}.")
            dim = dims[role]
            chunks = da.chunksizes.get(dim, ())
            if len(chunks) > 1:
                raise InvalidDataError(
                    f"{type(self).__name__} needs the whole {role} axis {dim!r} in each "
                    f"chunk, but it is split into {len(chunks)} chunks; rechunk first with "
                    f"da.chunk({{{dim!r}: -1}})."
                )

    def _merge_small_chunks(
        self, da: xr.DataArray, halo: Mapping[str, int]
    ) -> tuple[xr.DataArray, list[str]]:
        """Merge chunks smaller than the halo into a neighbour, explicitly.

        ``map_overlap`` needs every chunk to be at least as large as the halo. Rather
        than letting dask rechunk behind our back, short chunks are merged with
        :func:`~promethium.core.chunks.merge_small_chunks` (at most one halo of extra
        memory) and the change is reported so it is recorded in the result's attrs.
        """
        notes = []
        new_chunks = {}
        for dim, h in halo.items():
            chunks = tuple(da.chunksizes.get(dim, ()))
            if not h or len(chunks) < 2 or min(chunks) >= h:
                continue
            new_chunks[dim] = merge_small_chunks(chunks, h)
            notes.append(f"{dim}: {chunks} -> {new_chunks[dim]}")
        return (da.chunk(new_chunks) if new_chunks else da), notes


class WholeArrayOperator(Operator):
    """An operator that works on whole DataArrays rather than on NumPy blocks.

    Subclasses implement :meth:`apply` (lazily on dask input); there is no block
    :meth:`transform`. Used where the work spans chunks: applying a mask given over
    the whole survey, running a model, or a pipeline of operators.
    """

    def transform(self, data: np.ndarray, context: BlockContext) -> np.ndarray:
        """Refuse block-wise use: these operators need whole DataArrays.

        Parameters
        ----------
        data : numpy.ndarray
            One block of samples.
        context : BlockContext
            The block's context.

        Returns
        -------
        numpy.ndarray
            Never returns.

        Raises
        ------
        TypeError
            Always: call the operator on a DataArray instead.
        """
        raise TypeError(
            f"{type(self).__name__} works on whole DataArrays; call it on one, not on a block."
        )

    @abc.abstractmethod
    def apply(self, da: xr.DataArray) -> xr.DataArray:
        """Apply the operator to `da`, lazily on dask input, without history."""
