"""httpsfax.php newer report operations: pendcount, qstatus, auditlog, portstatus
(docs/protocol.md, 2).

With nothing to list, qstatus, auditlog and portstatus answer an empty body (decision, as getcdr).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..core.outbound import caller_number
from ..server.journal import JournalEntry
from ..wire.records import (
    format_audit_record,
    format_port_record,
    format_qstatus_record,
    format_time,
    parse_time,
    records,
)
from .base import Answer, OpContext, text

# Never repeated in an audit record's request detail: the login and the operation have
# their own columns, and secrets never appear.
_NOT_DETAIL = frozenset({"username", "company", "password", "operation"})
REQUEST_DETAIL_MAX = 200  # characters (decision: a summary, not the whole POST)


def pendcount(ctx: OpContext) -> Answer:
    """The number of the account's outbound jobs still pending (`useronly=1`: the caller's)."""
    useronly = ctx.post.flag("useronly")
    count = sum(1 for job in ctx.account.jobs.values()
                if job.pending and (not useronly or job.username == ctx.user.username))
    return text(str(count))


def qstatus(ctx: OpContext) -> Answer:
    """The jobs on a line now (dialling or sending), in line order."""
    desk = ctx.account.desk
    jobs = desk.transmitting() if desk is not None else []
    return text(records(format_qstatus_record(job, caller_number(job.tagnumber, ctx.account.dids))
                        for job in jobs))


def auditlog(ctx: OpContext) -> Answer:
    """This account's API calls from the request journal, oldest first (failed logins that
    named this company included); `begin`/`end` filter on the simulated time of the call
    (account zone, as status does)."""
    tz = ctx.account.settings.tz
    begin_text, end_text = ctx.post.get_str("begin"), ctx.post.get_str("end")
    begin, end = parse_time(begin_text, tz), parse_time(end_text, tz)
    lines = []
    for entry in ctx.state.journal.select(company=ctx.account.company):
        at = entry.sim_time if entry.sim_time is not None else entry.wall_time
        if (begin_text and (begin is None or at < begin)) or \
                (end_text and (end is None or at > end)):
            continue
        lines.append(format_audit_record(
            entry.seq, format_time(at, tz), _login(entry), entry.client_ip,
            _operation(entry), _opstat(entry.outcome), _request_detail(entry.fields),
            entry.outcome))
    return text(records(lines))


def portstatus(ctx: OpContext) -> Answer:
    """The account's number port requests, oldest request first."""
    tz = ctx.account.settings.tz
    ports = sorted(ctx.account.port_requests, key=lambda p: (p.requestdate, p.number))
    return text(records(format_port_record(port, tz) for port in ports))


def _login(entry: JournalEntry) -> str:
    """The user who made the call; for a failed login, the username it tried."""
    if entry.username:
        return entry.username
    tried = entry.fields.get("username")
    return tried if isinstance(tried, str) else ""


def _operation(entry: JournalEntry) -> str:
    """The operation, or for getcdr.php (which has none) the script's name."""
    if entry.operation:
        return entry.operation
    return entry.path.rsplit("/", 1)[-1].removesuffix(".php")


def _opstat(outcome: str) -> str:
    """success / failure (decision): an `error nn` or emulator failure is a failure."""
    return "failure" if outcome.startswith("error") or outcome == "internal error" \
        else "success"


def _request_detail(fields: dict[str, Any]) -> str:
    # Flattened lazily and only as far as the summary reaches: a request of a thousand
    # fields nested 64 deep costs no more than a small one.
    words: list[str] = []
    length = -1
    for name, value in _flatten(fields):
        if name.split("[", 1)[0] in _NOT_DETAIL:
            continue
        words.append(f"{name}={value}")
        length += len(words[-1]) + 1
        if length > REQUEST_DETAIL_MAX:
            break
    detail = " ".join(words)
    return detail if len(detail) <= REQUEST_DETAIL_MAX else detail[:REQUEST_DETAIL_MAX - 3] + "..."


def _flatten(fields: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in fields.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            yield from _flatten(value, name)
        else:
            yield name, str(value)
