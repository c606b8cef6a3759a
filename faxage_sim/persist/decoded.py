"""A state file's or snapshot's records once decoded, before they replace anything: what
`persist.model` builds and `persist.validate` checks (kept apart so neither imports the other)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.accounts import AccountSettings, User
from ..core.cdr import AccountCdrs, CallRecord
from ..core.deliveries import Delivery
from ..core.inbound import BusyCall, ReceivedFax
from ..core.inventory import Inventory
from ..core.jobs import FaxJob
from ..core.outbox import OutboxMessage
from ..server.journal import JournalEntry

if TYPE_CHECKING:
    from ..faults.matching import ActiveFault


@dataclass
class DecodedAccount:
    company: str
    settings: AccountSettings
    users: list[User]
    dids: list[str]
    disabled_dids: set[str]
    clock: dict[str, Any]
    did_urls: dict[str, str]
    in_progress: int
    queue_seq: int
    traffic: Any = None
    jobs: list[tuple[FaxJob, dict[str, Any] | None, bool]] = field(default_factory=list)
    faxes: list[ReceivedFax] = field(default_factory=list)
    busy: list[BusyCall] = field(default_factory=list)
    cdrs: list[CallRecord] = field(default_factory=list)
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    # Saved account parts by Account attribute: (place in the list, item) (`persist.parts`).
    parts: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    # `cdrs` indexed (`index_cdrs`), built where the records are decoded: a worker thread
    # for a snapshot, so the install on the loop only takes it (200,000 records: ~0.5 s).
    cdr_index: AccountCdrs | None = None

    def index_cdrs(self) -> None:
        self.cdr_index = AccountCdrs.of(self.cdrs) if self.cdrs else None


@dataclass
class DecodedState:
    accounts: dict[str, DecodedAccount]
    counters: dict[str, int]
    inventory: Inventory | None
    faults: list[ActiveFault]
    fault_next_id: int
    rules: Any
    deliveries: list[Delivery]
    emails: list[OutboxMessage]
    journal: list[JournalEntry]

    def summary(self) -> dict[str, int]:
        accounts = self.accounts.values()
        return {"accounts": len(self.accounts),
                "jobs": sum(len(a.jobs) for a in accounts),
                "faxes": sum(len(a.faxes) for a in accounts),
                "calls": sum(len(a.cdrs) for a in accounts)}


