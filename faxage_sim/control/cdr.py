"""`/_sim/cdr`: read an account's call detail records as JSON, or add records directly.

Records normally come from the simulated network (every dial try, every inbound call).
Adding them here is for clients that need a history without running the traffic: a billing
import, or `nuidgt` paging over many records.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.accounts import Account
from ..core.cdr import CallRecord, CdrQuery, Direction
from ..core.numbering import is_ten_digits
from ..wire.records import format_time, parse_time
from .common import (
    ControlError,
    account_or_404,
    company_param,
    control_endpoint,
    ok,
    read_json,
    state_of,
    whole_param,
)

# Per request (docs/limits.md): a million records in one POST blocked every client 29.5 s.
# 10,000 are checked in chunks that let other requests in, and written at once (their nuids
# stay consecutive) in a few tens of milliseconds; a bigger history is several POSTs.
MAX_RECORDS_PER_POST = 10_000
CHECK_CHUNK = 1000  # records checked between two yields to the event loop
# Records one GET answers at most (`limit` is capped to it); `truncated` says more matched.
MAX_RECORDS_PER_LIST = 10_000
MAX_CALLDATE = 4_102_444_800  # 2100-01-01T00:00:00Z
MAX_CALL_SECONDS = 86_400


def record_json(record: CallRecord, account: Account) -> dict[str, Any]:
    return {
        "nuid": record.nuid,
        "calldate": format_time(record.calldate, account.settings.tz),
        "calldate_epoch": record.calldate,
        "direction": record.direction.value,
        "src": record.src,
        "dst": record.dst,
        "duration": record.duration,
    }


@control_endpoint
async def list_records(request: Request) -> Response:
    """`?company=` (required), `nuidgt=` (default: all), `limit=` (the first N by calldate;
    at most MAX_RECORDS_PER_LIST, and `truncated` says when the cap cut the answer)."""
    state = state_of(request)
    account = account_or_404(state, company_param(request))
    nuidgt = whole_param(request, "nuidgt")
    limit = whole_param(request, "limit")
    query = CdrQuery(nuid_above=0 if nuidgt is None else nuidgt)
    cap = MAX_RECORDS_PER_LIST if limit is None else min(limit, MAX_RECORDS_PER_LIST)
    # In steps (core/cdr.select_steps): a store of a million never holds the loop; read
    # until one record past the cap says whether it cut the answer.
    found: list[CallRecord] = []
    for index, part in enumerate(state.sim.cdrs.select_steps(account.company, query)):
        if index:
            await asyncio.sleep(0)
        found.extend(part)
        if len(found) > cap:
            break
    truncated = len(found) > cap and (limit is None or limit > MAX_RECORDS_PER_LIST)
    found = found[:cap]
    return ok({"company": account.company, "count": len(found),
               "last_nuid": state.sim.cdrs.last_nuid, "truncated": truncated,
               "records": [record_json(r, account) for r in found]})


def _start_of(item: dict[str, Any], account: Account, where: str) -> float:
    value = item.get("calldate")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 0 <= value <= MAX_CALLDATE:
            raise ControlError(400, f"{where}.calldate: epoch seconds from 0 to {MAX_CALLDATE}"
                                    " (2100-01-01)")
        return float(value)
    if isinstance(value, str) and len(value) <= 40:
        parsed = parse_time(value, account.settings.tz)
        if parsed is not None:
            return parsed
    raise ControlError(400, f"{where}.calldate: give YYYY-MM-DD HH:MM:SS (account time zone) "
                            "or epoch seconds")


def _call_of(item: Any, account: Account,
             where: str) -> tuple[Direction, str, str, float, int]:
    if not isinstance(item, dict):
        raise ControlError(400, f"{where}: expected an object")
    unknown = set(item) - {"calldate", "direction", "src", "dst", "duration"}
    if unknown:
        raise ControlError(400, f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    try:
        direction = Direction(str(item.get("direction")))
    except ValueError as exc:
        raise ControlError(400, f'{where}.direction: "IN" or "OUT"') from exc
    src, dst = item.get("src", ""), item.get("dst")
    if not isinstance(src, str) or not (src == "" or is_ten_digits(src)):
        raise ControlError(400, f"{where}.src: a 10-digit number (or empty)")
    if not isinstance(dst, str) or not is_ten_digits(dst):
        raise ControlError(400, f"{where}.dst: a 10-digit number")
    duration = item.get("duration", 0)
    if isinstance(duration, bool) or not isinstance(duration, int) \
            or not 0 <= duration <= MAX_CALL_SECONDS:
        raise ControlError(400, f"{where}.duration: whole seconds from 0 to {MAX_CALL_SECONDS}")
    return direction, src, dst, _start_of(item, account, where), duration


@control_endpoint
async def add_records(request: Request) -> Response:
    """`{"company", "records": [{"calldate", "direction", "src", "dst", "duration"}]}`.

    Every record is checked before any is written; they get fresh nuids in the order given.
    """
    state = state_of(request)
    data = await read_json(request)
    account = account_or_404(state, company_param(request, data))
    items = data.get("records")
    if not isinstance(items, list) or not items or len(items) > MAX_RECORDS_PER_POST:
        raise ControlError(400, f'"records" must be a list of 1 to {MAX_RECORDS_PER_POST}')
    calls: list[tuple[Direction, str, str, float, int]] = []
    for start in range(0, len(items), CHECK_CHUNK):
        if start:
            await asyncio.sleep(0)  # other clients' requests go on meanwhile
        calls.extend(_call_of(item, account, f"records[{start + i}]")
                     for i, item in enumerate(items[start:start + CHECK_CHUNK]))
    if state.sim.accounts.get(account.company) is not account:  # removed meanwhile
        raise ControlError(404, f"no account with company {account.company}")
    first = state.sim.cdrs.last_nuid + 1
    written = state.sim.cdrs.record_many(account.company, calls)
    return ok({"company": account.company, "written": written, "first_nuid": first,
               "last_nuid": state.sim.cdrs.last_nuid}, status=201)


ROUTES = [
    Route("/_sim/cdr", list_records, methods=["GET"]),
    Route("/_sim/cdr", add_records, methods=["POST"]),
]
