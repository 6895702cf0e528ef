"""Pipeline: operators composed with ``|``, applied one after another."""

from __future__ import annotations

from typing import TYPE_CHECKING

from promethium.ops.base import Operator, WholeArrayOperator

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["Pipeline"]


class Pipeline(WholeArrayOperator):
    """Operators applied one after another; built with ``a | b | c``.

    Parameters
    ----------
    *operators : Operator
        The steps, in order; nested pipelines are flattened.

    Raises
    ------
    TypeError
        If a step is not an Operator.

    Examples
    --------
    >>> from promethium.ops import Operator, Pipeline
    >>> class Scale(Operator):
    ...     def __init__(self, factor): self.factor = factor
    ...     def transform(self, data, context): return data * self.factor
    >>> pipe = Scale(2.0) | Scale(3.0)
    >>> len(pipe.operators)
    2
    """

    def __init__(self, *operators: Operator) -> None:
        flat: list[Operator] = []
        for op in operators:
            if not isinstance(op, Operator):
                raise TypeError(f"Pipeline takes Operators, got {type(op).__name__}.")
            flat.extend(op.operators if isinstance(op, Pipeline) else (op,))
        self.operators: tuple[Operator, ...] = tuple(flat)

    def __call__(self, da: xr.DataArray) -> xr.DataArray:
        """Apply each operator in turn; each records itself in the history.

        Returns
        -------
        xarray.DataArray
            The result of the last operator, with one history line per operator.
        """
        for op in self.operators:
            da = op(da)
        return da

    def apply(self, da: xr.DataArray) -> xr.DataArray:
        """Apply each operator in turn, without recording history.

        Returns
        -------
        xarray.DataArray
            The result of the last operator's :meth:`Operator.apply`.
        """
        for op in self.operators:
            da = op.apply(da)
        return da

    def __repr__(self) -> str:
        return " | ".join(repr(op) for op in self.operators)
