"""The console story: one readable line per event, or one JSON object per line.

Events are requests (with the answer and any fault), job transitions, callback attempts,
inbound calls and faxes, faults, timeline steps of a scenario. A person running a scenario by
hand reads the text form:

    2026-01-05 09:00:00 MST [1000] request      POST /httpsfax.php sendfax (demo) -> JOBID: 100001
    2026-01-05 09:00:00 MST [1000] job.submitted  job 100001: submitted to 3039911234, ...

`--log-format json` prints the same events as JSON objects for machines.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..core.events import SimEvent

if TYPE_CHECKING:
    from .journal import JournalEntry

ZoneOf = Callable[[str | None], str | None]
KIND_WIDTH = 12


class ConsoleLog:
    def __init__(self, fmt: str = "text", stream: IO[str] | None = None) -> None:
        self.fmt = fmt
        self.stream = stream or sys.stderr
        # The time zone a company's events are shown in (set by the app state).
        self.zone_of: ZoneOf = lambda company: None
        self._zones: dict[str, tzinfo] = {}

    def line(self, kind: str, message: str, *, at: float | None = None,
             company: str | None = None, **data: Any) -> None:
        if self.fmt == "json":
            record = {"wall_time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                      "sim_time": _iso(at), "kind": kind, "company": company,
                      "message": message, **data}
            print(json.dumps(record, default=str), file=self.stream, flush=True)
            return
        when = self._when(at, company)
        who = f" [{company}]" if company else ""
        print(f"{when}{who} {kind:<{KIND_WIDTH}} {message}", file=self.stream, flush=True)

    def event(self, event: SimEvent) -> None:
        self.line(event.kind, event.message, at=event.at, company=event.company, **event.data)

    def request(self, entry: JournalEntry) -> None:
        """The request line; a fault that hit it gets a `fault` line of its own first."""
        op = f" {entry.operation}" if entry.operation else ""
        user = f" ({entry.username})" if entry.username else ""
        status = f"HTTP {entry.status} " if entry.status != 200 else ""
        shown = entry.first_line if entry.first_line else "(empty body)"
        if entry.records > 1:
            shown += f" (+{entry.records - 1} more record(s), {entry.records} in all)"
        if entry.unread_body:
            shown += f" [{entry.unread_body}]"
        company = entry.company or entry.named_company  # a failed login: the one it named
        if entry.fault is not None:
            self.line("fault", f'"{entry.fault}" ({entry.fault_effect}) hit {entry.method} '
                      f"{entry.path}{op}", at=entry.sim_time, company=company,
                      fault=entry.fault, effect=entry.fault_effect, seq=entry.seq)
        self.line("request", f"{entry.method} {entry.path}{op}{user} -> {status}{shown}",
                  at=entry.sim_time, company=company, seq=entry.seq,
                  path=entry.path, operation=entry.operation, status=entry.status,
                  duration_ms=round(entry.duration_ms, 3), fault=entry.fault,
                  records=entry.records, unread_body=entry.unread_body)

    def _when(self, at: float | None, company: str | None) -> str:
        if not at:
            return "-"
        zone = self._zone(company)
        moment = datetime.fromtimestamp(at, zone)
        return moment.strftime("%Y-%m-%d %H:%M:%S ") + _label(moment)

    def _zone(self, company: str | None) -> tzinfo:
        name = self.zone_of(company)
        if not name:
            return UTC
        zone = self._zones.get(name)
        if zone is None:
            try:
                zone = ZoneInfo(name)
            except Exception:  # a bad zone never breaks the console
                zone = UTC
            self._zones[name] = zone
        return zone


def _label(moment: datetime) -> str:
    """The zone's abbreviation (MST, UTC); a zone without one by its offset (UTC-03)."""
    name = moment.tzname() or "UTC"
    if name[0] not in "+-":
        return name
    offset = moment.strftime("%z")  # -0300, +0530
    hours, minutes = offset[:3], offset[3:5]
    return f"UTC{hours}" + (f":{minutes}" if minutes != "00" else "")


def _iso(at: float | None) -> str | None:
    return datetime.fromtimestamp(at, UTC).isoformat() if at else None
