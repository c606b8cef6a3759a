"""`/_sim/clock`: read the clocks, advance them, or run until nothing is left to do."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .common import (
    MAX_ADVANCE_SECONDS,
    ControlError,
    account_or_404,
    company_param,
    control_endpoint,
    number,
    ok,
    read_json,
    state_of,
)


def _clocks(request: Request, company: str | None) -> dict[str, object]:
    state = state_of(request)
    accounts = ([account_or_404(state, company)] if company is not None
                else list(state.sim.accounts.values()))
    return {a.company: a.clock.describe() for a in accounts}


def _known(data: dict[str, object], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ControlError(400, f"unknown field(s) {', '.join(sorted(unknown))[:200]}")


@control_endpoint
async def show(request: Request) -> Response:
    return ok({"clocks": _clocks(request, company_param(request))})


@control_endpoint
async def advance(request: Request) -> Response:
    """`{"seconds": N}` for every account, or `{"seconds": N, "company": "1000"}`.

    Returns once every transition and callback due in that time has run.
    """
    data = await read_json(request)
    _known(data, {"seconds", "company"})
    if "seconds" not in data:
        raise ControlError(400, 'give "seconds": how far to move the clock')
    seconds = number(data, "seconds", maximum=MAX_ADVANCE_SECONDS)
    company = company_param(request, data)
    state = state_of(request)
    if company is not None:
        account_or_404(state, company)
    await state.advance(seconds, company)
    return ok({"advanced": seconds, "clocks": _clocks(request, company)})


@control_endpoint
async def run_until_idle(request: Request) -> Response:
    """Advance to each next event until none is left (at most `max_seconds`, default 1 day).

    `idle`: no event left and nothing in flight; `in_flight` counts the deliveries (and URL
    fetches, emails) still under way when the wait for them (2 s) ended."""
    data = await read_json(request)
    _known(data, {"max_seconds", "company"})
    limit = number(data, "max_seconds", 86400.0, maximum=MAX_ADVANCE_SECONDS)
    company = company_param(request, data)
    state = state_of(request)
    if company is not None:
        account_or_404(state, company)
    moved, idle = await state.advance_until_idle(company, limit)
    return ok({"advanced": moved, "idle": idle, "in_flight": state.in_flight(company),
               "clocks": _clocks(request, company)})


ROUTES = [
    Route("/_sim/clock", show, methods=["GET"]),
    Route("/_sim/clock/advance", advance, methods=["POST"]),
    Route("/_sim/clock/run-until-idle", run_until_idle, methods=["POST"]),
]
