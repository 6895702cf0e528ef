"""The tasks of a :func:`to_segy` write: create, write each block, compact, commit.

A write is one dask graph. :func:`create` makes a pre-sized temporary file beside the
output holding the file headers; one :func:`write_block` task per block of the data
writes that block's traces at their slots (:mod:`promethium.io.segy.plan`) and reports
which hole slots stayed empty; :func:`commit`, after every block, removes those slots
(:func:`compact`), records the filled count when asked, and renames the file into
place. Every task argument is picklable and holds no open file.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from promethium.errors import ConfigError, InvalidDataError, PromethiumWarning
from promethium.io.atomic import commit as atomic_commit
from promethium.io.atomic import remove_path
from promethium.io.segy.filled import FILLED_CARD, FILLED_TRACE_ID, TRACE_ID_WORD, filled_card
from promethium.io.segy.headers import TRACE_FIELDS, put_word
from promethium.io.segy.layout import TEXT_SIZE, TRACE_HEADER_SIZE, SegyLayout, trace_records
from promethium.io.segy.samples import encode
from promethium.io.segy.text import put_card

__all__ = ["BlockResult", "Target", "check_target", "commit", "compact", "create", "write_block"]

#: Bytes of trace records moved at a time when empty slots are removed.
_MOVE_BYTES = 64 * 2**20
#: File offsets of the SEG-Y revision (byte 3501) and of the rev 2 trace count (3513-3520).
_REVISION, _TRACE_COUNT = TEXT_SIZE + 300, TEXT_SIZE + 312
_SEQUENCE = (TRACE_FIELDS["trace_sequence_line"], TRACE_FIELDS["trace_sequence_file"])

#: What a block write reports: grid positions with a trace left out (no slot), the
#: empty hole slots, the number of traces marked filled, and the number of traces whose
#: non-integer samples an integer format rounded.
BlockResult = tuple[int, np.ndarray, int, int]


@dataclasses.dataclass(frozen=True)
class Target:
    """What every task of one write needs: picklable, no open file, never mutated.

    Attributes
    ----------
    tmp : str
        The temporary file, renamed to the output when complete.
    layout : SegyLayout
        The output's layout, ``n_traces`` counting every slot.
    slots : numpy.ndarray
        Output trace of each grid position, -1 where none (a :class:`TracePlan`).
    holes : numpy.ndarray
        bool, positions the source file did not have.
    headers : callable
        ``(len(flat), 240)`` uint8 headers of flat grid positions.
    axes : tuple of (str, numpy.ndarray or None)
        Each trace dim and its coordinate values, to name positions in errors.
    claim_nonzero : bool
        A hole holds a trace when any sample is non-zero (no ``trace_filled`` record).
    renumber : bool
        Set the trace sequence numbers (bytes 1-8) to the output trace number.
    mark : bool
        Set the trace identification code of filled traces (``mark_filled=True``).
    file_traces : int
        Trace count of the file whose binary header is copied (0 for a new file): a
        SEG-Y rev 2 header that records it (bytes 3513-3520) gets the output's count.
    what : str
        Name of the data, for messages.
    """

    tmp: str
    layout: SegyLayout
    slots: np.ndarray
    holes: np.ndarray
    headers: Callable[[np.ndarray], np.ndarray]
    axes: tuple[tuple[str, np.ndarray | None], ...]
    claim_nonzero: bool
    renumber: bool
    mark: bool
    file_traces: int
    what: str


def check_target(path: str, mode: str) -> None:
    """Refuse a `path` that is a directory, or that exists in mode ``"w-"``."""
    if os.path.isdir(path):
        raise ConfigError(
            f"{path!r} is a directory; to_segy writes a file: give a file path such as "
            f"{os.path.join(path, 'out.sgy')!r}."
        )
    if mode == "w-" and (os.path.exists(path) or os.path.islink(path)):
        raise ConfigError(
            f"{path!r} already exists; pass mode='w' to replace it, or choose another path."
        )


def create(target: Target, head: bytes) -> str:
    """Create the pre-sized temporary file holding the file headers."""
    layout = target.layout
    os.makedirs(os.path.dirname(target.tmp), exist_ok=True)
    with open(target.tmp, "xb") as f:
        f.write(head)
        f.truncate(layout.data_start + layout.n_traces * layout.trace_len)
    return target.tmp


def _flat(key: tuple[slice, ...], shape: tuple[int, ...]) -> np.ndarray:
    """Flat grid positions (C order) of the block at `key`, in block C order."""
    ranges = np.ix_(*(np.arange(s.start, s.stop) for s in key))
    return np.ravel_multi_index(np.broadcast_arrays(*ranges), shape).ravel().astype(np.int64)


def _where(target: Target, flat: int) -> str:
    index = np.unravel_index(flat, target.slots.shape)
    parts = [
        f"{dim}={values[i].item() if values is not None else int(i)!r}"
        for (dim, values), i in zip(target.axes, index, strict=True)
    ]
    return ", ".join(parts)


def _check_finite(samples: np.ndarray, flat: np.ndarray, target: Target) -> None:
    if not np.issubdtype(samples.dtype, np.floating):
        return
    bad = ~np.isfinite(samples).all(axis=-1)
    if bad.any():
        raise InvalidDataError(
            f"{target.what} has NaN or infinite samples in {int(bad.sum())} trace(s) to be "
            f"written (first at {_where(target, int(flat[np.argmax(bad)]))}), which SEG-Y "
            "cannot store; fill them first (e.g. da.fillna(0)), or mark those traces "
            "missing so that they are filled."
        )


def write_block(
    value: np.ndarray,
    claim: np.ndarray | None,
    filled: np.ndarray | None,
    created: str,
    target: Target,
    key: tuple[slice, ...],
) -> BlockResult:
    """Write the traces of one block (grid positions `key`) into the temporary file.

    Present positions with a slot are written; a hole with a slot only if it holds a
    trace (`claim` True, or non-zero samples with ``target.claim_nonzero``).
    """
    layout = target.layout
    flat = _flat(key[:-1], target.slots.shape)
    samples = np.asarray(value).reshape(flat.size, layout.n_samples)
    slots, hole = target.slots.ravel()[flat], target.holes.ravel()[flat]
    holds = np.zeros(flat.size, dtype=bool)
    if claim is not None:
        holds |= np.asarray(claim, dtype=bool).ravel()
    if target.claim_nonzero and hole.any():
        holds[hole] |= (np.abs(samples[hole]) > 0).any(axis=-1)
    holds &= hole
    write = (slots >= 0) & (~hole | holds)
    left_out = int(np.count_nonzero(holds & (slots < 0)))
    empty = slots[hole & ~holds & (slots >= 0)]
    _check_finite(samples[write], flat[write], target)
    headers = target.headers(flat[write])
    n_marked = 0
    if target.mark:
        marked = (holds if filled is None else np.asarray(filled, dtype=bool).ravel())[write]
        n_marked = int(np.count_nonzero(marked))
        headers[marked] = _marked(headers[marked], layout.endian)
    if target.renumber:
        for word in _SEQUENCE:
            put_word(headers, word, slots[write] + 1, layout.endian, "trace sequence number")
    records = np.empty(int(np.count_nonzero(write)), dtype=layout.record_dtype())
    records["header"] = headers.view("V240").ravel()
    records["data"] = encode(samples[write], layout.fmt, layout.endian, what=target.what)
    n_rounded = 0
    if np.dtype(layout.fmt.file_dtype).kind in "iu" and not layout.fmt.is_ibm:
        kept = samples[write]
        n_rounded = int(np.count_nonzero((kept != np.rint(kept)).any(axis=-1)))
    out = trace_records(dataclasses.replace(layout, path=created), mode="r+")
    out[slots[write]] = records
    out.flush()
    del out
    return left_out, empty, n_marked, n_rounded


def _marked(headers: np.ndarray, endian: str) -> np.ndarray:
    """`headers` with the trace identification code of a filled trace."""
    ids = np.full(headers.shape[0], FILLED_TRACE_ID, dtype=np.int64)
    put_word(headers, TRACE_ID_WORD, ids, endian, "trace_id")
    return headers


def compact(target: Target, empty: np.ndarray) -> int:
    """Remove the `empty` slots from the temporary file, moving later traces down.

    Traces move in order, in batches of about 64 MB, so memory stays bounded; with
    ``target.renumber`` their sequence numbers follow. Returns the traces kept.
    """
    layout = dataclasses.replace(target.layout, path=target.tmp)
    keep = np.ones(layout.n_traces, dtype=bool)
    keep[empty] = False
    destination = np.cumsum(keep) - 1
    n_kept = int(np.count_nonzero(keep))
    step = max(1, _MOVE_BYTES // layout.trace_len)
    records = trace_records(layout, mode="r+")
    for start in range(int(empty.min()), layout.n_traces, step):
        moved = np.flatnonzero(keep[start : start + step]) + start
        if not moved.size:
            continue
        batch = np.array(records[moved])
        if target.renumber:
            raw = np.frombuffer(batch["header"].tobytes(), np.uint8)
            headers = raw.reshape(-1, TRACE_HEADER_SIZE).copy()
            for word in _SEQUENCE:
                put_word(headers, word, destination[moved] + 1, layout.endian, "sequence")
            batch["header"] = headers.view(f"V{TRACE_HEADER_SIZE}").ravel()
        first = int(destination[moved[0]])
        records[first : first + moved.size] = batch
    records.flush()
    del records
    os.truncate(target.tmp, layout.data_start + n_kept * layout.trace_len)
    return n_kept


def _put_trace_count(target: Target, n_traces: int) -> None:
    """Update a rev 2 binary header's trace count (bytes 3513-3520) if it records one."""
    order = ">" if target.layout.endian == "big" else "<"
    with open(target.tmp, "r+b") as f:
        f.seek(_REVISION)
        revision = f.read(1)[0]
        f.seek(_TRACE_COUNT)
        count = int(np.frombuffer(f.read(8), dtype=f"{order}u8")[0])
        if revision >= 2 and count == target.file_traces and count != n_traces:
            f.seek(_TRACE_COUNT)
            f.write(np.array([n_traces], dtype=f"{order}u8").tobytes())


def _put_filled_card(tmp: str, count: int) -> None:
    with open(tmp, "r+b") as f:
        text = f.read(TEXT_SIZE)
        f.seek(0)
        f.write(put_card(text, FILLED_CARD, filled_card(count))[:TEXT_SIZE])


def commit(
    results: Sequence[BlockResult],
    target: Target,
    path: str,
    mode: int,
    write_mode: str,
    n_holes: int,
) -> str:
    """Remove empty slots, record the filled count, and rename the file into place."""
    try:
        empty = np.concatenate([r[1] for r in results]) if results else np.zeros(0, np.int64)
        n_kept = compact(target, empty) if empty.size else target.layout.n_traces
        if n_kept == 0:
            raise InvalidDataError(
                f"{target.what} has no trace to write: every position is a hole that "
                "holds no trace; nothing was written."
            )
        if target.file_traces:
            _put_trace_count(target, n_kept)
        if target.mark:
            _put_filled_card(target.tmp, sum(r[2] for r in results))
        os.chmod(target.tmp, mode)
    except BaseException:
        remove_path(Path(target.tmp))
        raise
    atomic_commit(Path(target.tmp), Path(path), write_mode)  # "w-" is enforced again here
    n_rounded = sum(r[3] for r in results)
    if n_rounded:
        fmt = target.layout.fmt
        warnings.warn(
            f"{target.what}: {n_rounded} trace(s) written to {path} hold non-integer "
            f"samples, rounded to integers: the file stores SEG-Y format {fmt.code} "
            f"({fmt.name}). Write without like= (IEEE floats, format=5) to keep them, or "
            "scale the data first.",
            PromethiumWarning,
            stacklevel=2,
        )
    left_out = sum(r[0] for r in results)
    if left_out:
        warnings.warn(
            f"{target.what}: {left_out} of {n_holes} grid positions with no trace in the "
            f"source file hold a trace (trace_filled or trace_mask True, or non-zero "
            f"samples without a trace_filled coordinate) and were not written to {path}; "
            "pass absent='insert' to write them at their place in the file's sort order "
            "(headers cloned from the nearest trace, geometry words set).",
            PromethiumWarning,
            stacklevel=2,
        )
    return path
