"""Document work off the event loop: inspecting, imaging and encoding run in a small pool of
worker threads of their own, so a hostile document costs its own request time, never the
other clients' (docs/limits.md).

The pool is separate from asyncio's default executor (which parses large request bodies):
however many documents are in work, the rest of the emulator keeps its threads. Pillow
releases the interpreter lock while it decodes and encodes, and the event loop gets its turn
between the Python steps of the rest.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Final, ParamSpec, TypeVar

if TYPE_CHECKING:
    from ..core.jobs import Document

WORKERS: Final = 2  # documents in work at once; more wait their turn (the machine has cores)

_P = ParamSpec("_P")
_R = TypeVar("_R")
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="faxage-sim-documents")
        return _pool


async def run_off_loop(func: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
    """`func(*args, **kwargs)` in a document worker thread."""
    call = functools.partial(contextvars.copy_context().run, func, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executor(), call)


def _inspect_all(documents: Sequence[Document]) -> None:
    for document in documents:
        document.inspected(pack=False)


def _pack_all(documents: Sequence[Document]) -> None:
    for document in documents:
        document.pack()


# Documents waiting to be compressed, and whether a worker is on them: one task takes all
# that came meanwhile, so a stream of sendfax requests wakes a worker once per batch.
_to_pack: list[Document] = []
_packing: Future[None] | None = None
_packing_lock = threading.Lock()


def _pack_later(documents: Sequence[Document]) -> None:
    """Compress the documents in a worker, after the answer: the request does not wait."""
    global _packing
    with _packing_lock:
        _to_pack.extend(documents)
        if _packing is not None:
            return
        _packing = future = _executor().submit(_pack_waiting)
    future.add_done_callback(_packed)


def _pack_waiting() -> None:
    global _packing
    while True:
        with _packing_lock:
            if not _to_pack:
                _packing = None
                return
            batch = _to_pack[:]
            _to_pack.clear()
        _pack_all(batch)


def _packed(future: Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        import logging

        logging.getLogger("faxage_sim").error("faxage-sim: compressing a document failed",
                                              exc_info=future.exception())


def wait_packing(timeout: float | None = None) -> bool:
    """Wait for the compressions handed to the workers (tests, benchmarks); False: timed out."""
    import time

    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with _packing_lock:
            future = _packing
        if future is None:
            return True
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return False
        wait([future], left)


# Counting a small text's lines (one split, `formats.text_line_count`) costs less than the
# hop to a worker thread and back: such documents, nearly every test's, are inspected in place.
INLINE_TEXT_BYTES: Final = 16 * 1024
INLINE_TEXT_TYPES: Final = frozenset({"txt", "csv"})


async def inspect_off_loop(documents: Sequence[Document]) -> None:
    """Inspect every document not inspected yet (bytes to pages, within the budget) in a
    worker, so that the core's `Document.inspected` finds the answer ready; a few small texts
    (INLINE_TEXT_BYTES in all) in place. Then compress them (`Document.pack`) in a worker,
    without waiting: sendfax answers as soon as the pages are counted."""
    pending = [d for d in documents if d.inspection is None and d.has_bytes]
    if not pending:
        return
    inline = all(d.extension in INLINE_TEXT_TYPES for d in pending) \
        and sum(d.size or 0 for d in pending) <= INLINE_TEXT_BYTES
    if inline:
        _inspect_all(pending)
    else:
        await run_off_loop(_inspect_all, pending)
    # Small texts: hashed in place, and compressed here only if another document's bytes
    # were compressed already; the rest (and every large document) in a worker, later.
    later = [d for d in pending if not d.pack(compress=False)] if inline else pending
    if later:
        _pack_later(later)
