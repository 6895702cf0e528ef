"""The Operator base class: DataArray in, DataArray out, lazily.

An :class:`Operator` maps a seismic DataArray to another, lazily. A subclass declares
its parameters once, as a pydantic schema named ``Params`` (validated when the
operator is built, see :mod:`promethium.ops.params`), and writes one method,
:meth:`Operator.transform`, which works on a NumPy block. Calling the operator runs a
fixed pipeline: validate the data, :meth:`~Operator.check` them against the
parameters (before any work), :meth:`~Operator.apply` the transform to in-memory data
at once or to each dask block (with ``map_overlap`` when the operator declares a
halo), and record the operator in ``attrs["history"]``. Operators compose with ``|``
into a :class:`Pipeline`, itself an Operator.

Writing an operator::

    class Scale(Operator):
        class Params(OperatorParams):
            factor: Real = Field(1.0, gt=0, description="Factor applied to every sample.")

        parameters: Params

        def __init__(self, factor: float = 1.0) -> None:
            super().__init__(factor=factor)

        def transform(self, data, context):
            return data * self.parameters.factor
"""

from __future__ import annotations

import abc
import inspect
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from promethium.core.axis import sample_interval
from promethium.core.dims import trace_dim, vertical_dim
from promethium.core.history import append_history
from promethium.core.units import is_time_unit, unit_of
from promethium.errors import InvalidDataError
from promethium.ops.context import BlockContext
from promethium.ops.params import OperatorParams, validate_params

if TYPE_CHECKING:
    import xarray as xr

    from promethium.ops.pipeline import Pipeline

__all__ = ["Operator", "WholeArrayOperator"]

#: Roles an operator can ask to see whole in every block.
_ROLES = ("vertical", "trace")


class Operator(abc.ABC):
    """Base class of every processing step: DataArray in, DataArray out, lazily.

    Subclasses declare their parameters as a nested :class:`OperatorParams` schema
    named ``Params``, write an ``__init__`` with the same parameters (names, order and
    defaults: the operator tests check that it matches the schema) that passes them
    all by name to ``super().__init__``, which validates them and keeps them as
    :attr:`parameters`; they implement :meth:`transform`, and may set or override:

    - :attr:`whole`: roles (``"vertical"``, ``"trace"``) whose dim must lie whole in
      each dask block (an FFT along time needs the whole trace);
    - :attr:`needs_time`: True when the vertical axis must be time, not depth;
    - :attr:`writes_coords`: coordinates the operator adds, changes or drops;
    - :attr:`coords_needed` (or :meth:`needed_coords`): coordinate names passed to
      :meth:`transform`, broadcast to the block (``"vertical"`` means the vertical
      coordinate);
    - :meth:`halo`: samples of context per dim, applied with ``map_overlap``;
    - :meth:`check`: refuse data the parameters do not fit, before any work.

    Operators that cannot work block by block override :meth:`apply` instead.

    Parameters
    ----------
    **params
        The fields of the operator's ``Params`` schema, by name.

    Raises
    ------
    ConfigError
        For an unknown parameter, a wrong type or an out-of-range value, naming the
        operator, the parameter, the value and what is allowed.
    """

    #: The parameter schema; None for an operator without parameters.
    Params: ClassVar[type[OperatorParams] | None] = None
    whole: ClassVar[tuple[str, ...]] = ()
    #: Whether the vertical axis must be time (filters in Hz, gains in t, mutes).
    needs_time: ClassVar[bool] = False
    coords_needed: tuple[str, ...] = ()
    #: Coordinates the operator may add, change or drop (``"vertical"``: the vertical
    #: coordinate, whose length may change too); it keeps every other one, and
    #: :func:`~promethium.testing.assert_operator_contract` checks that it does.
    writes_coords: ClassVar[tuple[str, ...]] = ()
    #: The validated parameters (converted to the schema's units).
    parameters: OperatorParams

    def __init__(self, **params: Any) -> None:
        schema = type(self).Params or OperatorParams
        self.parameters = validate_params(type(self).__name__, schema, params)
        self._given = dict(params)

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
        """The operator's parameters as the user gave them, as recorded in the history.

        Returns
        -------
        dict of str to Any
            Parameter names and values (defaults filled in), in schema order; also
            used by ``repr``. For a subclass with its own ``__init__`` and no schema,
            the instance attributes named like the constructor's parameters.
        """
        given = getattr(self, "_given", None)
        if given is not None:
            return dict(given)
        names = list(inspect.signature(type(self).__init__).parameters)[1:]
        return {n: getattr(self, n) for n in names if hasattr(self, n)}

    def needed_coords(self) -> tuple[str, ...]:
        """Names of the coordinates :meth:`transform` receives: :attr:`coords_needed`.

        Returns
        -------
        tuple of str
            Coordinate names; ``"vertical"`` stands for the vertical coordinate.
        """
        return tuple(self.coords_needed)

    def check(self, da: xr.DataArray) -> None:
        """Refuse data the operator cannot process, before any work is done.

        The base checks the vertical axis (:attr:`needs_time`), the coordinates of
        :meth:`needed_coords` and the chunking of the axes in :attr:`whole`; an
        operator whose parameters must fit the data (a window shorter than the trace,
        a corner below Nyquist) extends it, calling ``super().check(da)``.

        Parameters
        ----------
        da : xarray.DataArray
            Data that passed :func:`promethium.core.validate.validate`; not modified.

        Raises
        ------
        InvalidDataError
            If the operator needs a time axis and `da` has a depth axis, a needed
            coordinate is missing, or an axis in :attr:`whole` is split across chunks.
        ConfigError
            (In subclasses) if a parameter does not fit the data.
        """
        if self.needs_time and self._context(da).vertical_unit != "s":
            raise InvalidDataError(
                f"{type(self).__name__} needs a time axis; the data have a depth axis "
                f"{vertical_dim(da)!r}. Convert to time first."
            )
        for name in self.needed_coords():
            if name != "vertical" and name not in da.coords:
                raise InvalidDataError(
                    f"{type(self).__name__} needs the coordinate {name!r}, which the data "
                    f"lack; assign it with da.assign_coords({name}=...)."
                )
        if hasattr(da.data, "chunks"):
            self._check_chunks(da)

    # -- the fixed pipeline ------------------------------------------------------------
    def __call__(self, da: xr.DataArray) -> xr.DataArray:
        """Validate `da`, check it, apply the operator, and record it in the history.

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
        ConfigError
            If a parameter does not fit the data (see :meth:`check`).
        """
        from promethium.core.validate import validate

        validate(da, check_mask=False)
        self.check(da)
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
            Seismic data, vertical dim last, that passed :meth:`check`; not modified.

        Returns
        -------
        xarray.DataArray
            Same dims and coords as `da`, dtype from :meth:`output_dtype`; no history
            line is added.
        """
        from promethium.ops._blocks import coord_arrays, map_blocks_of

        context = self._context(da)
        coords = coord_arrays(da, self.needed_coords(), context, owner=type(self).__name__)
        return map_blocks_of(
            self.transform,
            da,
            context,
            coords,
            self.halo(da),
            self.output_dtype(da),
            owner=type(self).__name__,
        )

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
