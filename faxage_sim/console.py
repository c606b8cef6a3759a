"""The console story: one readable line per event, or one JSON object per line."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import IO, Any

from .core.events import SimEvent


class ConsoleLog:
    def __init__(self, fmt: str = "text", stream: IO[str] | None = None) -> None:
        self.fmt = fmt
        self.stream = stream or sys.stderr

    def line(self, kind: str, message: str, *, at: float | None = None,
             company: str | None = None, **data: Any) -> None:
        if self.fmt == "json":
            record = {"kind": kind, "message": message, "company": company, "sim_time": at,
                      **data}
            print(json.dumps(record, default=str), file=self.stream, flush=True)
            return
        when = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S") if at else "-"
        who = f" [{company}]" if company else ""
        print(f"{when}{who} {kind}: {message}", file=self.stream, flush=True)

    def event(self, event: SimEvent) -> None:
        self.line(event.kind, event.message, at=event.at, company=event.company, **event.data)
