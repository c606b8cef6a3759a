"""Outbound fax jobs: what was submitted, where the job is, and what each dial try did.

A long run keeps every job, so a job is kept small (docs/limits.md, benchmarks/bench_memory.py):
the records have slots instead of a dictionary each, texts many jobs share (user names,
timeline events and their details) are interned, an ended job's lists are trimmed to size,
and a document's bytes are kept once however many jobs send them (`formats.DOCUMENTS`).
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
import threading
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

import msgspec

from ..documents.formats import DOCUMENTS, Inspection, inspect_document
from ..wire import catalog
from .scheduler import ScheduledEvent
from .structs import repr_without


class JobState(StrEnum):
    """Where a job is; the values are the wire texts (the longstatus of a pending job, the
    shortstatus of an ended one), from the catalog like every other wire text."""

    WAITING_FOR_CONVERSION = catalog.LONG_WAITING_FOR_CONVERSION
    IN_QUEUE = catalog.LONG_IN_QUEUE
    TRANSMITTING = catalog.LONG_TRANSMITTING
    SUCCESS = catalog.SHORT_SUCCESS
    FAILURE = catalog.SHORT_FAILURE

    @property
    def pending(self) -> bool:
        return self not in (JobState.SUCCESS, JobState.FAILURE)


class Priority(StrEnum):
    HIGH = "high"
    LOW = "low"


class DocumentSource(Protocol):
    """Where a document's bytes live once they left memory (the `--state` file)."""

    def read(self, digest: str) -> bytes:
        """The bytes of `digest`: blocking I/O, called off the event loop."""
        ...


# Bytes are kept compressed when that saves at least an eighth (zlib: on the fixtures' text,
# PDF and TIFF it keeps 6 % to 45 % of the bytes in tens of microseconds; lzma kept no less
# and took 30 to 100 times as long: benchmarks/README.md).
PACK_LEVEL: Final = 6
PACK_MIN_SAVING: Final = 8  # keep packed only when it is at most 7/8 of the bytes
PACK_MIN_BYTES: Final = 64  # below this, zlib's header costs more than it saves


class PackedStore:
    """Compressed document bytes by SHA-256, kept once however many documents hold them
    (content-addressed, like `formats.DOCUMENTS` for plain bytes); entries no document holds
    any more leave as it grows."""

    def __init__(self) -> None:
        self._packed: dict[str, tuple[str, bytes]] = {}
        self._lock = threading.Lock()
        self._sweep_at = 1024

    def pack(self, data: bytes, *,
             compress: bool = True) -> tuple[str, bytes] | Literal[False] | None:
        """(digest, compressed bytes) shared by every document of these bytes; None when
        compressing does not pay; False when they are not known yet and `compress` is off
        (hashing is cheap, compressing is not). CPU work: off the loop, or small in place."""
        if len(data) < PACK_MIN_BYTES:
            return None
        digest = hashlib.sha256(data).hexdigest()
        with self._lock:
            found = self._packed.get(digest)
        if found is not None:
            return found
        if not compress:
            return False
        packed = zlib.compress(data, PACK_LEVEL)
        if len(packed) > len(data) - len(data) // PACK_MIN_SAVING:
            return None
        with self._lock:
            found = self._packed.setdefault(digest, (digest, packed))
            if len(self._packed) >= self._sweep_at:
                self._sweep()
        return found

    def _sweep(self) -> None:
        # Held by the store alone: the entry's tuple, this loop's name and getrefcount's
        # argument (CPython's reference counts; elsewhere nothing is dropped). Documents
        # hold the compressed bytes themselves, never the tuple.
        for digest in [d for d, (_k, packed) in self._packed.items()
                       if sys.getrefcount(packed) <= 3]:
            del self._packed[digest]
        self._sweep_at = max(1024, 2 * len(self._packed))

    def __len__(self) -> int:
        return len(self._packed)


PACKED: Final = PackedStore()


@dataclass(slots=True)
class Document:
    """One file of a job: the name as posted and its decoded bytes (None: not decodable).

    Where the bytes are kept (docs/limits.md): in memory as posted until inspected, then
    compressed (`packed`) when that pays; with `--state`, once the job has ended and the file
    has committed them, only in the file (`source`, by `digest`). `data` reads them back in
    every case (`load`): a read from the file is blocking I/O, so code on the event loop asks
    `size` and `has_bytes`, and leaves `data` to the document workers."""

    filename: str
    data: bytes | None
    url: str | None = None
    filetype: str | None = None
    # What the bytes say, once asked (`inspected`); not state: made again after a load.
    inspection: Inspection | None = field(default=None, compare=False, repr=False)
    # The bytes kept elsewhere: `data`'s slot is then empty (see `__getattr__`).
    digest: str | None = field(default=None, compare=False, repr=False)  # SHA-256, hex
    packed: bytes | None = field(default=None, compare=False, repr=False)  # zlib
    source: DocumentSource | None = field(default=None, compare=False, repr=False)
    length: int = field(default=-1, compare=False, repr=False)  # of the bytes kept elsewhere

    if not TYPE_CHECKING:  # typed as the field `data` is; hidden so mypy checks other names
        def __getattr__(self, name):
            # Only an empty slot gets here: `data` of bytes kept elsewhere.
            if name == "data":
                return self.load()
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def load(self) -> bytes | None:
        """The bytes, wherever they are kept (from the file: blocking, off the loop only)."""
        packed = self.packed
        if packed is not None:
            return zlib.decompress(packed)
        source, digest = self.source, self.digest
        if source is not None and digest is not None:
            return source.read(digest)
        return self.data

    @property
    def in_memory(self) -> bool:
        """Are the bytes (plain or compressed) in this process, not only in the file?"""
        return self.source is None

    @property
    def has_bytes(self) -> bool:
        """Decodable bytes, wherever kept (False: not decodable, or a URL not fetched yet)."""
        return self.packed is not None or self.source is not None or self.data is not None

    @property
    def size(self) -> int | None:
        """Length of the bytes (None: none), without reading them back."""
        if self.packed is not None or self.source is not None:
            return self.length
        data = self.data
        return None if data is None else len(data)

    def inspected(self, *, pack: bool = True) -> Inspection:
        """Valid or not, and how many pages (`formats.inspect_document`), worked out once;
        then (`pack`) the bytes are kept compressed when that pays. It is CPU work within a
        budget: the web layer asks in a worker thread before the core needs it, and
        compresses after the answer (`documents.worker.inspect_off_loop`)."""
        found = self.inspection
        if found is None:
            self.filename = sys.intern(self.filename)
            found = self.inspection = inspect_document(self.extension, self.load())
            if pack:
                self.pack()
        return found

    def pack(self, *, compress: bool = True) -> bool:
        """Keep the bytes compressed when that pays (`PACKED`: once however many documents
        hold them), or else shared as posted (`formats.DOCUMENTS`). Hashing and compressing
        are CPU work: called off the loop, or for a few small texts in place. Without
        `compress`, only bytes compressed already for another document are taken: False when
        these still need compressing."""
        with _SWAPPING:
            data = self._posted()
        if data is None:
            return True
        packed = PACKED.pack(data, compress=compress)
        if packed is False:
            return False
        with _SWAPPING:  # unless its bytes were replaced or committed meanwhile
            if self._posted() is not data:
                return True
            if packed is None:
                self.data = DOCUMENTS.intern(data)
                return True
            self.digest, self.packed = packed
            self.length = len(data)
            del self.data  # `packed` first: a reader in another thread finds one or the other
        return True

    def _posted(self) -> bytes | None:
        """The bytes as posted when this object holds them so (not compressed, not only in
        the file), without reading any back."""
        if self.packed is not None or self.source is not None:
            return None
        try:
            data: bytes | None = _DATA_SLOT.__get__(self, Document)
        except AttributeError:
            return None
        return data

    def keep_in(self, source: DocumentSource, digest: str, length: int | None = None) -> None:
        """The bytes are committed to `source` under `digest` (`length` of them: known when
        they are not in memory): memory no longer holds them."""
        with _SWAPPING:
            if self.source is None:
                self.length = (self.size or 0) if length is None else length
                self.digest = digest
                self.source = source
            self.packed = None
            with contextlib.suppress(AttributeError):  # already empty
                del self.data

    def bring_back(self) -> None:
        """Bytes kept only in the file back in memory (a pending job's, at start-up: the
        job is to be sent); the digest stays, so they are not written again."""
        if self.source is None:
            return
        data = self.load()
        with _SWAPPING:
            self.data = data
            self.source = None

    def set_data(self, data: bytes | None) -> None:
        """New bytes (a fetched URL): what was said about the old ones no longer holds."""
        with _SWAPPING:
            self.data = data  # first: a reader in another thread finds the new or the old
            self.packed = self.source = self.digest = None
            self.length = -1
            self.inspection = None

    def copy(self) -> Document:
        """Another job's document of the same file (resend): the bytes are shared, wherever
        they are kept, and none is read back."""
        twin = Document(self.filename, None, self.url, self.filetype, self.inspection,
                        self.digest, self.packed, self.source, self.length)
        if self.packed is None and self.source is None:
            twin.data = self.data
        else:
            del twin.data
        return twin

    @property
    def extension(self) -> str:
        if self.filetype:
            return self.filetype.lower().lstrip(".")
        name = self.filename.rsplit("/", 1)[-1]
        return name.rsplit(".", 1)[-1].lower() if "." in name else ""


# `Document.data`'s own slot (read without the fall-back to `load`), and the lock under
# which a document's bytes move between memory, compression and the file (the loop, the
# document workers and the writer thread all move them).
_DATA_SLOT: Any = Document.__dict__["data"]
_SWAPPING: Final = threading.Lock()


class DialAttempt(msgspec.Struct, gc=False):  # atoms only: no cycle can pass through it
    """One try of a job on the simulated network (also one CDR)."""

    number: int
    started: float
    ended: float
    outcome: str  # success | busy | no-answer | dropped
    connected_seconds: int  # billable: answer to hang-up, 0 when never answered
    pages_sent: int
    line: int


class TimelineEntry(msgspec.Struct, gc=False):  # atoms only: no cycle can pass through it
    """One line of a job's history, at a simulated time."""

    at: float
    event: str
    detail: str = ""


class FaxJob(msgspec.Struct, eq=False):  # an entity: the same job only if it is the same object
    """One outbound fax job, from sendfax to its final status."""

    __repr__ = repr_without("pending_event")

    jobid: int
    commid: int
    company: str
    username: str
    destname: str
    destnum: str
    documents: list[Document]
    pagecount: int
    sendtime: float
    tagname: str = ""
    tagnumber: str = ""
    priority: Priority = Priority.HIGH
    resolution: int = 0  # 0 standard, 1 fine, 2 hyperfine
    contrastalgo: int = 1
    url_notify: str | None = None
    em_notify: bool = False
    async_fetch: bool = False
    awaiting_fetch: bool = False  # async URL mode: conversion starts once the URLs arrive
    conversion_error: str | None = None  # set when documents cannot be imaged
    state: JobState = JobState.WAITING_FOR_CONVERSION
    longstatus: str = JobState.WAITING_FOR_CONVERSION.value
    queue_state: str = ""
    completetime: float | None = None
    xmittime: int = 0
    xmitpages: int = 0
    tries: int = 0
    csid: str = ""
    converted: bool = False
    cleared: bool = False
    line: int | None = None
    attempts: list[DialAttempt] = msgspec.field(default_factory=list)
    timeline: list[TimelineEntry] = msgspec.field(default_factory=list)
    pending_event: ScheduledEvent | None = None
    queue_seq: int = 0

    @property
    def pending(self) -> bool:
        return self.state.pending

    def note(self, at: float, event: str, detail: str = "") -> None:
        self.timeline.append(TimelineEntry(at, sys.intern(event), sys.intern(detail)))

    def compact(self) -> None:
        """Once the job has ended: share its texts with other jobs and trim its lists to size
        (a list keeps room to grow; an ended job's timeline and tries no longer grow much)."""
        for name in ("company", "username", "destname", "destnum", "tagname", "tagnumber",
                     "longstatus", "queue_state", "csid"):
            setattr(self, name, sys.intern(getattr(self, name)))
        self.timeline = self.timeline[:]  # copies are allocated to size
        self.attempts = self.attempts[:]
