"""`/_sim/emails`: the em_notify outbox — every email composed, and how its sending went."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.outbox import MailState, OutboxMessage
from .common import ControlError, company_param, control_endpoint, ok, state_of, whole_param
from .lists import newest
from .serialize import iso


def email_json(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id, "company": message.company, "jobid": message.jobid,
        "username": message.username, "from": message.sender, "to": message.to,
        "subject": message.subject, "body": message.body, "at": iso(message.at),
        "state": message.state.value, "error": message.error,
        "sent_wall_time": iso(message.sent_wall_time),
    }


@control_endpoint
async def list_emails(request: Request) -> Response:
    """`?company=`, `?jobid=`, `?state=` (kept, queued, sent, failed, no-address) filter."""
    state = state_of(request)
    params = request.query_params
    wanted_state = params.get("state")
    if wanted_state is not None and wanted_state not in {s.value for s in MailState}:
        raise ControlError(400, f'"state" must be one of {", ".join(s.value for s in MailState)}')
    jobid = whole_param(request, "jobid")
    found = [m for m in state.sim.outbox.for_company(company_param(request))
             if (jobid is None or m.jobid == jobid)
             and (wanted_state is None or m.state.value == wanted_state)]
    shown, omitted = newest(found)
    return ok({"emails": [email_json(m) for m in shown], "omitted": omitted,
               "smtp": None if state.config.smtp is None
               else f"{state.config.smtp[0]}:{state.config.smtp[1]}"})


@control_endpoint
async def clear_emails(request: Request) -> Response:
    state = state_of(request)
    await state.mail.settle()  # never drop a message while it is being sent
    count = len(state.sim.outbox.messages)
    state.sim.outbox.clear()
    return ok({"cleared": count})


ROUTES = [
    Route("/_sim/emails", list_emails, methods=["GET"]),
    Route("/_sim/emails", clear_emails, methods=["DELETE"]),
]
