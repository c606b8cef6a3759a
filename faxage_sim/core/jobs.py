"""Outbound fax jobs: what was submitted, where the job is, and what each dial try did.

A long run keeps every job, so a job is kept small (docs/limits.md, benchmarks/bench_memory.py):
the records have slots instead of a dictionary each, texts many jobs share (user names,
timeline events and their details) are interned, an ended job's lists are trimmed to size,
and a document's bytes are kept once however many jobs send them (`formats.DOCUMENTS`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from enum import StrEnum

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


@dataclass(slots=True)
class Document:
    """One file of a job: the name as posted and its decoded bytes (None: not decodable)."""

    filename: str
    data: bytes | None
    url: str | None = None
    filetype: str | None = None
    # What the bytes say, once asked (`inspected`); not state: made again after a load.
    inspection: Inspection | None = field(default=None, compare=False, repr=False)

    def inspected(self) -> Inspection:
        """Valid or not, and how many pages (`formats.inspect_document`), worked out once.
        It is CPU work within a budget: the web layer asks in a worker thread before the
        core needs it (`documents.worker.inspect_off_loop`)."""
        found = self.inspection
        if found is None:
            if self.data is not None:  # hashing is CPU work too: done here, off the loop
                self.data = DOCUMENTS.intern(self.data)
            self.filename = sys.intern(self.filename)
            found = self.inspection = inspect_document(self.extension, self.data)
        return found

    def set_data(self, data: bytes | None) -> None:
        """New bytes (a fetched URL): what was said about the old ones no longer holds."""
        self.data = data
        self.inspection = None

    @property
    def extension(self) -> str:
        if self.filetype:
            return self.filetype.lower().lstrip(".")
        name = self.filename.rsplit("/", 1)[-1]
        return name.rsplit(".", 1)[-1].lower() if "." in name else ""


class DialAttempt(msgspec.Struct):
    """One try of a job on the simulated network (also one CDR)."""

    number: int
    started: float
    ended: float
    outcome: str  # success | busy | no-answer | dropped
    connected_seconds: int  # billable: answer to hang-up, 0 when never answered
    pages_sent: int
    line: int


class TimelineEntry(msgspec.Struct):
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
