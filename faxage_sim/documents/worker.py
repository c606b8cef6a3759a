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

from ..core.jobs import PACK_MIN_BYTES

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


_packing: set[Future[None]] = set()  # compressions handed to the workers, not done yet
_packing_lock = threading.Lock()


def _pack_later(documents: Sequence[Document]) -> None:
    """Compress the documents in a worker, after the answer: the request does not wait."""
    future = _executor().submit(_pack_all, documents)
    with _packing_lock:
        _packing.add(future)
    future.add_done_callback(_packed)


def _packed(future: Future[None]) -> None:
    with _packing_lock:
        _packing.discard(future)
    if not future.cancelled() and future.exception() is not None:
        import logging

        logging.getLogger("faxage_sim").error("faxage-sim: compressing a document failed",
                                              exc_info=future.exception())


def wait_packing(timeout: float | None = None) -> bool:
    """Wait for the compressions handed to the workers (tests, benchmarks); False: timed out."""
    with _packing_lock:
        pending = list(_packing)
    return not wait(pending, timeout).not_done


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
    if all(d.extension in INLINE_TEXT_TYPES for d in pending) \
            and sum(d.size or 0 for d in pending) <= INLINE_TEXT_BYTES:
        _inspect_all(pending)
    else:
        await run_off_loop(_inspect_all, pending)
    small = [d for d in pending if (d.size or 0) < PACK_MIN_BYTES]  # nothing to compress
    _pack_all(small)
    if len(small) < len(pending):
        _pack_later([d for d in pending if (d.size or 0) >= PACK_MIN_BYTES])
