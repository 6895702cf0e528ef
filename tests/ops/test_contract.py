"""Every operator in pm.ops passes the operator contract (promethium.testing)."""

import inspect

import numpy as np
import pytest
from operator_examples import EXAMPLES

import promethium as pm
from promethium import ops
from promethium.testing import assert_operator_contract


def _operator_classes():
    return sorted(
        name
        for name in ops.__all__
        if inspect.isclass(getattr(ops, name))
        and issubclass(getattr(ops, name), ops.Operator)
        and not inspect.isabstract(getattr(ops, name))
    )


def test_every_operator_has_an_example():
    assert _operator_classes() == sorted(EXAMPLES)


@pytest.mark.parametrize("name", _operator_classes())
def test_operator_contract(name):
    make_op, make_data = EXAMPLES[name]
    op = make_op()
    assert isinstance(op, getattr(ops, name))
    assert_operator_contract(op, make_data() if make_data else None, max_examples=6)


def test_contract_is_exported_at_the_testing_module():
    assert pm.testing.assert_operator_contract is assert_operator_contract


class _Scale(ops.Operator):
    def transform(self, data, context):
        return data * 2.0


class _Eager(_Scale):
    def apply(self, da):
        return da.copy(data=np.asarray(da.values) * 2.0)


class _ChunkDependent(_Scale):
    def transform(self, data, context):
        return data * data.shape[-1]


class _DropsAttrs(_Scale):
    def apply(self, da):
        out = super().apply(da)
        out.attrs = {}
        return out


class _AlwaysFloat64(_Scale):
    def output_dtype(self, da):
        return np.dtype("float64")


class _AddsCoord(_Scale):
    def apply(self, da):
        return super().apply(da).assign_coords(gain=2.0)


class _ForgetsHistory(_Scale):
    def __call__(self, da):
        return self.apply(da)


class _Mutates(_Scale):
    def apply(self, da):
        da.attrs["touched"] = True
        return super().apply(da)


@pytest.mark.parametrize(
    ("op", "message"),
    [
        (_Eager(), "computed 1 dask graph"),
        (_ChunkDependent(), "results must not depend on chunking"),
        (_DropsAttrs(), "attribute 'units' was dropped or changed"),
        (_AlwaysFloat64(), "float32 input gave float64"),
        (_AddsCoord(), r"added coordinates \['gain'\] it does not declare"),
        (_ForgetsHistory(), "the history must keep its lines and gain one per step"),
        (_Mutates(), "the input was modified"),
    ],
)
def test_contract_catches_broken_operators(op, message):
    with pytest.raises(AssertionError, match=message):
        assert_operator_contract(op, max_examples=5)


def test_contract_passes_a_well_behaved_operator():
    assert_operator_contract(_Scale(), max_examples=3)
