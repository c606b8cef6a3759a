"""Domain objects as control-plane JSON."""

from __future__ import annotations

import copy
import dataclasses
import functools
from datetime import UTC, datetime
from typing import Any

import msgspec

from ..core.accounts import Account
from ..core.deliveries import Delivery
from ..core.jobs import FaxJob
from ..wire.records import format_time, shortstatus


def iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


PASSWORD_MASK = "********"
_ATOMS = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """`dataclasses.asdict` (a dataclass as plain dicts and lists), for what an account
    answer holds: field names read once per class, atoms taken as they are instead of each
    deep-copied (asdict was a fifth of creating an account, which every test fixture does)."""
    kind: Any = type(value)
    if kind in _ATOMS:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: plain(getattr(value, name)) for name in _field_names(kind)}
    if kind is list:
        return [plain(item) for item in value]
    if kind is dict:
        return {plain(key): plain(item) for key, item in value.items()}
    return copy.deepcopy(value)  # tuples, sets, enums... (none in settings today)


@functools.cache
def _field_names(kind: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def account_json(account: Account, masked: bool = True) -> dict[str, Any]:
    """An account; its users' passwords are `PASSWORD_MASK` unless `masked` is False."""
    users = [msgspec.structs.asdict(u) | {"dids": list(u.dids)}
             for u in account.users.values()]
    if masked:
        users = [u | {"password": PASSWORD_MASK} for u in users]
    return {
        "company": account.company,
        "users": users,
        "dids": list(account.dids),
        "disabled_dids": sorted(account.disabled_dids),
        "settings": plain(account.settings),
        "clock": account.clock.describe(),
    }


def job_json(job: FaxJob, account: Account) -> dict[str, Any]:
    tz = account.settings.tz
    return {
        "jobid": job.jobid, "commid": job.commid, "company": job.company,
        "username": job.username, "destname": job.destname, "destnum": job.destnum,
        "shortstatus": shortstatus(job), "state": job.state.value,
        "longstatus": job.longstatus, "queue_state": job.queue_state,
        "pagecount": job.pagecount, "xmitpages": job.xmitpages, "xmittime": job.xmittime,
        "tries": job.tries, "csid": job.csid, "priority": job.priority.value,
        "resolution": job.resolution, "tagname": job.tagname, "tagnumber": job.tagnumber,
        "url_notify": job.url_notify, "em_notify": job.em_notify, "cleared": job.cleared,
        "sendtime": format_time(job.sendtime, tz),
        "completetime": format_time(job.completetime, tz) if job.completetime else None,
        "documents": [
            {"filename": d.filename, "bytes": d.size,
             "url": d.url, "type": d.extension}
            for d in job.documents
        ],
        "attempts": [msgspec.structs.asdict(a) | {"started": format_time(a.started, tz),
                                              "ended": format_time(a.ended, tz)}
                     for a in job.attempts],
        "timeline": [{"at": format_time(t.at, tz), "event": t.event, "detail": t.detail}
                     for t in job.timeline],
    }


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id, "kind": delivery.kind, "company": delivery.company,
        "ref": delivery.ref, "url": delivery.url, "fields": delivery.fields,
        "state": delivery.state.value, "attempts_allowed": delivery.attempts_allowed,
        "next_due": iso(delivery.next_due),
        "attempts": [
            {"attempt": a.attempt, "at": iso(a.at), "wall_time": iso(a.wall_time),
             "status": a.status, "error": a.error, "duration_ms": round(a.duration_ms, 3)}
            for a in delivery.attempts
        ],
    }
