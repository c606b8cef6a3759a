"""Accounts: a company with users, DIDs (its fax numbers) and settings.

`Account` is the aggregate root: it holds its parts (inbox, outbound desk, scheduler), and the
parts never import it back: each says in a small protocol what it reads of an account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from .clock import Clock
from .inbound import Inbox
from .jobs import FaxJob
from .ports import PortRequest
from .scheduler import Scheduler

# The settings live in their own module so that the account's parts can read them; these
# names stay importable from here, where every caller has always found them.
from .settings import AccountSettings as AccountSettings
from .settings import RetryPolicy as RetryPolicy
from .settings import SettingsError as SettingsError
from .settings import Timings as Timings
from .settings import apply_fields as apply_fields
from .structs import repr_without

if TYPE_CHECKING:
    from .outbound import OutboundDesk


class User(msgspec.Struct):
    """One login of an account: what FAXAGE's username/password check compares."""

    username: str
    password: str
    email: str = ""
    manager: bool = True
    dids: list[str] = msgspec.field(default_factory=list)  # granted DIDs, for non-managers


class Account(msgspec.Struct):
    """One FAXAGE company: its users, numbers, settings and every record it owns."""

    __repr__ = repr_without("desk", "inbox")

    company: str
    users: dict[str, User]
    dids: list[str]
    settings: AccountSettings
    clock: Clock
    scheduler: Scheduler = msgspec.field(default_factory=Scheduler)
    jobs: dict[int, FaxJob] = msgspec.field(default_factory=dict)
    disabled_dids: set[str] = msgspec.field(default_factory=set)
    desk: OutboundDesk | None = None
    inbox: Inbox = msgspec.field(default_factory=Inbox)
    port_requests: list[PortRequest] = msgspec.field(default_factory=list)

    def now(self) -> float:
        return self.clock.now()

    def authenticate(self, username: str, password: str) -> User | None:
        user = self.users.get(username)
        if user is None or user.password != password:
            return None
        return user

    def owns_did(self, number: str) -> bool:
        return number in self.dids
