"""The request journal: every request the emulator answered, for the control plane and tests.

Bounded: past `limit` entries the oldest are dropped, and the drops are counted and reported.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .wire.forms import PhpPost

# Never kept in the journal: secrets and bulk file data.
ELIDED_FIELDS = frozenset({"password", "faxfiledata"})


@dataclass
class JournalEntry:
    seq: int
    wall_time: float
    sim_time: float | None
    path: str
    method: str
    client_ip: str
    operation: str | None
    company: str | None
    username: str | None
    fields: dict[str, Any]
    status: int
    first_line: str
    duration_ms: float
    outcome: str = ""  # short summary: "JOBID 123", "error 02", "ok", "binary"
    fault: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "wall_time": self.wall_time, "sim_time": self.sim_time,
            "path": self.path, "method": self.method, "client_ip": self.client_ip,
            "operation": self.operation, "company": self.company, "username": self.username,
            "fields": self.fields, "status": self.status, "first_line": self.first_line,
            "duration_ms": round(self.duration_ms, 3), "outcome": self.outcome,
            "fault": self.fault,
        }


def elide_fields(post: PhpPost) -> dict[str, Any]:
    """The POST for the journal: password masked, file data replaced by its size."""
    out: dict[str, Any] = {}
    for key, value in post.values.items():
        name = str(key)
        if name == "password":
            out[name] = "********"
        elif name in ELIDED_FIELDS:
            if isinstance(value, dict):
                out[name] = {str(k): f"<{len(v)} chars>" if isinstance(v, str) else "<array>"
                             for k, v in value.items()}
            else:
                out[name] = f"<{len(value)} chars>"
        else:
            out[name] = value
    return out


class Journal:
    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.entries: deque[JournalEntry] = deque()
        self.dropped = 0
        self._seq = itertools.count(1)

    def next_seq(self) -> int:
        return next(self._seq)

    def add(self, entry: JournalEntry) -> None:
        self.entries.append(entry)
        if len(self.entries) > self.limit:
            self.entries.popleft()
            self.dropped += 1

    def select(self, *, operation: str | None = None, company: str | None = None,
               path: str | None = None, since_seq: int | None = None,
               limit: int | None = None) -> list[JournalEntry]:
        found = [
            e for e in self.entries
            if (operation is None or e.operation == operation)
            and (company is None or e.company == company)
            and (path is None or e.path == path)
            and (since_seq is None or e.seq > since_seq)
        ]
        return found[-limit:] if limit else found

    def clear(self) -> None:
        self.entries.clear()
        self.dropped = 0

    @staticmethod
    def now() -> float:
        return time.time()
