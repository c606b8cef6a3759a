"""`/_sim/requests`: the request journal, filtered; drops past its limit are reported."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .common import ControlError, company_param, control_endpoint, ok, state_of


@control_endpoint
async def list_requests(request: Request) -> Response:
    state = state_of(request)
    params = request.query_params
    try:
        since = int(params["since"]) if "since" in params else None
        limit = int(params["limit"]) if "limit" in params else None
    except ValueError as exc:
        raise ControlError(400, '"since" and "limit" must be whole numbers') from exc
    entries = state.journal.select(operation=params.get("operation"),
                                   path=params.get("path"), since_seq=since)
    company = company_param(request)
    if company is not None:
        # A failed login is journalled without a company, yet it belongs to the account it
        # named: a test looking at why its client got ERR02 needs to see it.
        entries = [e for e in entries if (e.company or e.fields.get("company")) == company]
    if limit:
        entries = entries[-limit:]
    return ok({"requests": [e.as_json() for e in entries], "dropped": state.journal.dropped,
               "limit": state.journal.limit})


ROUTES = [Route("/_sim/requests", list_requests, methods=["GET"])]
