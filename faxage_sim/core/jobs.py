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
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

import msgspec

from ..documents.formats import DOCUMENTS, Inspection, inspect_document
from ..wire import catalog


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

# A document's content address is one int: its SHA-256 and, in the low bits, its length.
# Kept for every document whose bytes are compressed or in the --state file, so it is kept
# small: 64 bytes, where the hex digest and the length as objects took 160.
_LENGTH_BITS: Final = 40  # lengths below 1 TiB (a request body is at most --max-body)
_LENGTH_MASK: Final = (1 << _LENGTH_BITS) - 1


def content_key(data: bytes) -> int:
    """The content address of `data` (hashing: CPU work, off the loop or small)."""
    return int.from_bytes(hashlib.sha256(data).digest(), "big") << _LENGTH_BITS | len(data)


def key_of(digest: str, length: int) -> int | None:
    """The content address of `length` bytes the --state file holds under `digest` (their
    SHA-256 in lower-case hex); None when `digest` is not one (a key of a file this emulator
    did not write: such bytes are read back instead)."""
    if len(digest) != 64 or digest.strip("0123456789abcdef") \
            or length.__class__ is not int or not 0 <= length <= _LENGTH_MASK:
        return None
    return int(digest, 16) << _LENGTH_BITS | length


def key_digest(key: int) -> str:
    """The SHA-256, hex, of the bytes a content address names (the file's and snapshots' key)."""
    return f"{key >> _LENGTH_BITS:064x}"


def key_length(key: int) -> int:
    return key & _LENGTH_MASK


class Compressed(msgspec.Struct, gc=False, frozen=True):  # atoms only: no cycle through it
    """Bytes kept compressed, with their content address: one per content, every document
    of those bytes holds it (32 bytes beside the two it names)."""

    key: int  # `content_key` of the bytes as posted
    data: bytes  # zlib


class PackedStore:
    """Compressed document bytes by content address, kept once however many documents hold
    them (like `formats.DOCUMENTS` for plain bytes); entries no document holds any more leave
    as it grows."""

    def __init__(self) -> None:
        self._packed: dict[int, Compressed] = {}
        self._lock = threading.Lock()
        self._sweep_at = 1024

    def pack(self, data: bytes, *,
             compress: bool = True) -> Compressed | Literal[False] | None:
        """The compressed bytes shared by every document of these bytes; None
        when compressing does not pay; False when they are not known yet and `compress` is
        off (hashing is cheap, compressing is not). CPU work: off the loop, or small in
        place."""
        if len(data) < PACK_MIN_BYTES:
            return None
        key = content_key(data)
        with self._lock:
            found = self._packed.get(key)
        if found is not None:
            return found
        if not compress:
            return False
        packed = zlib.compress(data, PACK_LEVEL)
        if len(packed) > len(data) - len(data) // PACK_MIN_SAVING:
            return None
        with self._lock:
            found = self._packed.setdefault(key, Compressed(key, packed))
            if len(self._packed) >= self._sweep_at:
                self._sweep()
        return found

    def _sweep(self) -> None:
        # Held by the store alone: the entry and getrefcount's argument (CPython's reference
        # counts; elsewhere nothing is dropped).
        packed = self._packed
        for key in [k for k in packed if sys.getrefcount(packed[k]) <= 2]:
            del self._packed[key]
        self._sweep_at = max(1024, 2 * len(self._packed))

    def release(self, key: int) -> None:
        """A document no longer holds these bytes (they went to the file): they leave now
        unless another document holds them (rather than at the next sweep)."""
        with self._lock:
            found = self._packed.get(key)
            # Held by the entry, `found` and getrefcount's argument alone.
            if found is not None and sys.getrefcount(found) <= 3:
                del self._packed[key]

    def __len__(self) -> int:
        return len(self._packed)


PACKED: Final = PackedStore()


class Document(msgspec.Struct, gc=False, eq=False):
    """One file of a job: the name as posted and its decoded bytes (None: not decodable).

    Where the bytes are kept (docs/limits.md): in memory as posted until inspected, then
    compressed (`packed`) when that pays; with `--state`, once the job has ended and the file
    has committed them, only in the file (`source`, by `key`). `data` reads them back in
    every case (`load`): a read from the file is blocking I/O, so code on the event loop asks
    `size` and `has_bytes`, and leaves `data` to the document workers.

    A long run keeps one per document of every job, so it is a Struct of atoms (no dictionary,
    not tracked by the cyclic collector: nothing it holds leads back to it; the file it may be
    kept in holds no document), and the bytes kept elsewhere are named by one int (`key`)."""

    filename: str
    data: bytes | None
    url: str | None = None
    filetype: str | None = None
    # What the bytes say, once asked (`inspected`); not state: made again after a load.
    inspection: Inspection | None = None
    # The bytes kept elsewhere: `data`'s field is then unset (see `__getattr__`), `key` is
    # their content address (`content_key`: SHA-256 and length).
    key: int | None = None
    compressed: Compressed | None = None
    source: DocumentSource | None = None

    if not TYPE_CHECKING:  # typed as the field `data` is; hidden so mypy checks other names
        def __getattr__(self, name):
            # Only an unset field gets here: `data` of bytes kept elsewhere.
            if name == "data":
                return self.load()
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __eq__(self, other: object) -> bool:
        # The file as posted: where its bytes are kept, and what was said of them, aside.
        if other.__class__ is not Document:
            return NotImplemented
        assert isinstance(other, Document)
        return (self.filename, self.url, self.filetype) == \
            (other.filename, other.url, other.filetype) and self.load() == other.load()

    __hash__ = None  # type: ignore[assignment]  # mutable: equal documents may change apart

    def __repr__(self) -> str:
        data = repr(self.data) if self.compressed is None and self.source is None else \
            f"<{self.size} bytes kept {'compressed' if self.source is None else 'in the file'}>"
        return (f"Document(filename={self.filename!r}, data={data}, url={self.url!r}, "
                f"filetype={self.filetype!r})")

    @property
    def packed(self) -> bytes | None:
        """The bytes compressed (zlib), when kept so."""
        compressed = self.compressed
        return None if compressed is None else compressed.data

    @property
    def digest(self) -> str | None:
        """SHA-256, hex, of the bytes kept elsewhere (how the file and snapshots name them)."""
        key = self.key
        return None if key is None else key_digest(key)

    def load(self) -> bytes | None:
        """The bytes, wherever they are kept (from the file: blocking, off the loop only)."""
        compressed = self.compressed
        if compressed is not None:
            return zlib.decompress(compressed.data)
        source, key = self.source, self.key
        if source is not None and key is not None:
            return source.read(key_digest(key))
        return self.data

    @property
    def in_memory(self) -> bool:
        """Are the bytes (plain or compressed) in this process, not only in the file?"""
        return self.source is None

    @property
    def has_bytes(self) -> bool:
        """Decodable bytes, wherever kept (False: not decodable, or a URL not fetched yet)."""
        return self.compressed is not None or self.source is not None or self.data is not None

    @property
    def size(self) -> int | None:
        """Length of the bytes (None: none), without reading them back."""
        key = self.key
        if key is not None and (self.compressed is not None or self.source is not None):
            return key_length(key)
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
        compressed = PACKED.pack(data, compress=compress)
        if compressed is False:
            return False
        with _SWAPPING:  # unless its bytes were replaced or committed meanwhile
            if self._posted() is not data:
                return True
            if compressed is None:
                self.data = DOCUMENTS.intern(data)
                return True
            self.key, self.compressed = compressed.key, compressed
            del self.data  # `compressed` first: a reader in another thread finds one or the other
        return True

    def _posted(self) -> bytes | None:
        """The bytes as posted when this object holds them so (not compressed, not only in
        the file), without reading any back."""
        if self.compressed is not None or self.source is not None:
            return None
        try:
            data: bytes | None = _DATA_FIELD.__get__(self, Document)
        except AttributeError:
            return None
        return data

    def keep_in(self, source: DocumentSource, digest: str, length: int | None = None) -> None:
        """The bytes are committed to `source` under `digest` (`length` of them: known when
        they are not in memory): memory no longer holds them."""
        with _SWAPPING:
            if self.source is None:
                key = self.key
                if key is None or key_digest(key) != digest:
                    key = key_of(digest, (self.size or 0) if length is None else length)
                    if key is None:
                        raise ValueError(f"not a SHA-256 in hex: {digest!r}")
                self.key = key
                self.source = source
            compressed, self.compressed = self.compressed, None
            with contextlib.suppress(AttributeError):  # already unset
                del self.data
        if compressed is not None:
            key = compressed.key
            del compressed  # the store's copy leaves with the last document holding it
            PACKED.release(key)

    def bring_back(self) -> None:
        """Bytes kept only in the file back in memory (a pending job's, at start-up: the
        job is to be sent); the key stays, so they are not written again."""
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
            self.compressed = self.source = self.key = None
            self.inspection = None

    def copy(self) -> Document:
        """Another job's document of the same file (resend): the bytes are shared, wherever
        they are kept, and none is read back."""
        twin = Document(self.filename, None, self.url, self.filetype, self.inspection,
                        self.key, self.compressed, self.source)
        if self.compressed is None and self.source is None:
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


# `Document.data`'s own field (read without the fall-back to `load`), and the lock under
# which a document's bytes move between memory, compression and the file (the loop, the
# document workers and the writer thread all move them).
_DATA_FIELD: Any = Document.__dict__["data"]
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


# An entity (the same job only if it is the same object), kept for the whole run: not tracked
# by the cyclic collector (16 bytes a job), as no cycle passes through it — it holds texts,
# numbers and lists of atoms; the scheduled event of a pending job, whose action refers to
# the job, is kept by its desk (`OutboundDesk.pending`), not by the job.
class FaxJob(msgspec.Struct, eq=False, gc=False):
    """One outbound fax job, from sendfax to its final status."""

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
    queue_seq: int = 0

    @property
    def pending(self) -> bool:
        return self.state.pending

    def note(self, at: float, event: str, detail: str = "") -> None:
        self.timeline.append(TimelineEntry(at, sys.intern(event), sys.intern(detail)))

    def compact(self) -> None:
        """Once the job has ended: share its texts with other jobs, trim its lists to size
        (a list keeps room to grow; an ended job's timeline and tries no longer grow much) and
        drop what only a pending job needs."""
        for name in ("company", "username", "destname", "destnum", "tagname", "tagnumber",
                     "longstatus", "queue_state", "csid"):
            setattr(self, name, sys.intern(getattr(self, name)))
        self.timeline = self.timeline[:]  # copies are allocated to size
        self.attempts = self.attempts[:]
        self.queue_seq = 0  # it orders the queue, which an ended job has left (a shared 0)
