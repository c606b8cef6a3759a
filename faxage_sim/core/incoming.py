"""The records of inbound traffic: a call about to ring, the sender's own document, a fax
received and a call turned away busy.

Their own module because the inbound exchange, its background traffic and the payload
builders all need them, and none of those may import another's module back.
"""

from __future__ import annotations

from typing import Final

import msgspec

from ..wire import catalog
from .structs import repr_without

TSID_MAX: Final = 20  # a T.30 station id holds 20 characters


class SuppliedDocument(msgspec.Struct):
    """The sender's own file (control plane, scenario files)."""

    filename: str
    data: bytes
    extension: str
    pages: int


class ReceivedFax(msgspec.Struct):
    """One fax an account received: what listfax, getfax and the inbound push describe."""

    __repr__ = repr_without("file_cache")

    recvid: int
    company: str
    did: str
    cid: str  # the caller's 10 digits; "" when the caller id is unavailable
    tsid: str  # the sender's station id, as its fax machine reported it
    sender: str  # the name in the generated page header
    starttime: float  # answered
    recvdate: float  # the call ended: the fax is complete
    pagecount: int
    extension: str  # "pdf" or "tif": the account's fax format when the fax arrived
    document: SuppliedDocument | None = None  # None: a generated document
    handled: bool = False
    unreadable: bool = False  # a fault (scenario issue): getfax answers ERR13
    file_cache: bytes | None = None

    @property
    def filename(self) -> str:
        return catalog.received_fax_filename(self.recvid, self.extension)

    @property
    def duration(self) -> int:
        return int(self.recvdate - self.starttime)


class BusyCall(msgspec.Struct, frozen=True):
    """An inbound call that found every line busy: it leaves a record, not a fax."""

    did: str  # the account's number that was called
    cid: str  # the caller's 10 digits, "" when unavailable
    at: float
    reason: str


class IncomingCall(msgspec.Struct):
    """A call about to ring a DID, with what the sender will transmit if it is answered."""

    did: str
    cid: str = ""
    tsid: str = ""
    sender: str = ""
    pages: int = 1
    document: SuppliedDocument | None = None
    duration: float | None = None  # answer to hang-up; None: from the pages and timings
