"""`/_sim/requests`: the request journal, filtered; and how many requests matched.

Filters (all optional, combined): `operation`, `company` (or `account`; a failed login counts
for the company it named), `username`, `path`, `since` (a sequence number: entries after it;
or a date-time: simulated time from then), `until` (a date-time), `fault` (a fault's name,
`any` or `none`), `status` (HTTP status), `outcome` (`JOBID`, `error 02`, `ok`...), and
`field.NAME=VALUE` for any posted field (`field.faxno=3039911234`).

`limit` keeps the newest N matches; `omitted` says how many more matched. Entries the journal
itself dropped (past its size limit) are counted in `dropped`: never a silent loss.
`GET /_sim/requests/count` answers the count alone; with `expect=N` it answers 409 when the
count differs, so `curl -f` can assert it in CI.
"""

from __future__ import annotations

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.timeref import parse_datetime
from ..server.journal import JournalQuery
from .common import MAX_ID, ControlError, control_endpoint, ok, shown, state_of, whole_id

KNOWN = {"operation", "company", "account", "username", "path", "since", "until", "fault",
         "status", "outcome", "limit", "expect"}


def _whole(params: QueryParams, name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    value = whole_id(raw.strip(), name)
    if value is None:
        raise ControlError(400, f'"{name}" must be a whole number from 0 to {MAX_ID}, '
                                f"not {shown(raw)!r}")
    return value


def _time(raw: str, name: str) -> float:
    moment = parse_datetime(raw.replace(" ", "T", 1) if "T" not in raw else raw) \
        if len(raw) <= 40 else None
    if moment is None:
        raise ControlError(400, f'"{name}" must be a sequence number or a date-time like '
                                f'2026-01-05T16:00:00Z, not {shown(raw)!r}')
    return moment


def query_of(params: QueryParams) -> JournalQuery:
    unknown = [k for k in params if k not in KNOWN and not k.startswith("field.")]
    if unknown:
        raise ControlError(400, f"unknown filter(s) {', '.join(sorted(unknown))} "
                                f"(filters: {', '.join(sorted(KNOWN))}, field.NAME)")
    since = params.get("since")
    since_seq = since_time = None
    if since is not None:
        if since.strip().isdigit():
            since_seq = _whole(params, "since")
        else:
            since_time = _time(since, "since")
    until = params.get("until")
    return JournalQuery(
        operation=params.get("operation"),
        company=params.get("company", params.get("account")),
        username=params.get("username"), path=params.get("path"),
        since_seq=since_seq, since_time=since_time,
        until_time=_time(until, "until") if until is not None else None,
        fault=params.get("fault"), status=_whole(params, "status"),
        outcome=params.get("outcome"),
        fields=tuple((k.removeprefix("field."), v) for k, v in params.items()
                     if k.startswith("field.")),
    )


MAX_REQUESTS_PER_LIST = 10_000  # journal entries one answer carries (docs/limits.md)


@control_endpoint
async def list_requests(request: Request) -> Response:
    state = state_of(request)
    query = query_of(request.query_params)
    limit = _whole(request.query_params, "limit")
    # At most MAX_REQUESTS_PER_LIST entries an answer (the newest); `omitted` counts the rest.
    capped = MAX_REQUESTS_PER_LIST if limit is None else min(limit, MAX_REQUESTS_PER_LIST)
    selection = state.journal.query(query, capped)
    return ok({"requests": [e.as_json() for e in selection.entries],
               "matched": selection.matched, "omitted": selection.omitted,
               "dropped": state.journal.dropped, "limit": state.journal.limit})


@control_endpoint
async def count_requests(request: Request) -> Response:
    state = state_of(request)
    count = state.journal.count(query_of(request.query_params))
    answer: dict[str, object] = {"count": count, "dropped": state.journal.dropped}
    expect = _whole(request.query_params, "expect")
    if expect is None:
        return ok(answer)
    answer["expected"] = expect
    answer["ok"] = count == expect
    if count != expect:  # a 4xx like every other: with its one line
        answer = {"error": f"expected {expect} matching request(s), counted {count}",
                  **answer}
    return ok(answer, status=200 if count == expect else 409)


ROUTES = [
    Route("/_sim/requests", list_requests, methods=["GET"]),
    Route("/_sim/requests/count", count_requests, methods=["GET"]),
]
