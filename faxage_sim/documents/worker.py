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
from concurrent.futures import ThreadPoolExecutor
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
        document.inspected()


# Counting a small text's lines (one split, `formats.text_line_count`) costs less than the
# hop to a worker thread and back: such documents, nearly every test's, are inspected in place.
INLINE_TEXT_BYTES: Final = 16 * 1024
INLINE_TEXT_TYPES: Final = frozenset({"txt", "csv"})


async def inspect_off_loop(documents: Sequence[Document]) -> None:
    """Inspect every document not inspected yet (bytes to pages, within the budget) in a
    worker, so that the core's `Document.inspected` finds the answer ready; a few small texts
    (INLINE_TEXT_BYTES in all) in place."""
    pending = [d for d in documents if d.inspection is None and d.has_bytes]
    if not pending:
        return
    if all(d.extension in INLINE_TEXT_TYPES for d in pending) \
            and sum(d.size or 0 for d in pending) <= INLINE_TEXT_BYTES:
        _inspect_all(pending)
    else:
        await run_off_loop(_inspect_all, pending)
