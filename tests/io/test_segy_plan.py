"""The output order of to_segy: the grid's sort order, original traces in file order."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from promethium.io.segy.plan import grid_order, plan_traces

_shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@settings(max_examples=200, deadline=None)
@given(shape=_shapes, data=st.data())
def test_a_sorted_file_keeps_its_order_and_holes_take_their_place(shape, data):
    nd = len(shape)
    perm = data.draw(st.permutations(range(nd)))
    flips = data.draw(st.lists(st.booleans(), min_size=nd, max_size=nd))
    keep = np.array(
        data.draw(
            st.lists(st.booleans(), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))
        )
    )
    # the file: the grid in some sort order, some positions missing
    flat = np.arange(int(np.prod(shape))).reshape(shape)
    view = tuple(slice(None, None, -1) if f else slice(None) for f in flips)
    file_order = flat.transpose(perm)[view].ravel()
    trace_index = np.full(flat.size, -1)
    present = file_order[keep[file_order]]
    trace_index[present] = np.arange(present.size)
    trace_index = trace_index.reshape(shape)

    order = grid_order(trace_index)
    assert sorted(order.tolist()) == list(range(flat.size))
    in_order = trace_index.ravel()[order]
    assert np.all(np.diff(in_order[in_order >= 0]) > 0)  # originals keep their file order

    plan = plan_traces(trace_index, shape, insert=True)
    assert plan.n_slots == flat.size and sorted(plan.slots.ravel().tolist()) == list(
        range(flat.size)
    )
    skip = plan_traces(trace_index, shape, insert=False)
    assert skip.n_slots == present.size
    np.testing.assert_array_equal(skip.slots, np.where(trace_index >= 0, trace_index, -1))


def test_an_unsorted_file_is_written_in_the_arrays_order():
    trace_index = np.array([[3, 0], [-1, 1], [2, 4]])
    assert grid_order(trace_index).tolist() == list(range(6))
    plan = plan_traces(trace_index, (3, 2), insert=False)  # nothing inserted: file order
    np.testing.assert_array_equal(plan.slots, [[3, 0], [-1, 1], [2, 4]])
    assert plan_traces(None, (2, 2), insert=True).slots.tolist() == [[0, 1], [2, 3]]
