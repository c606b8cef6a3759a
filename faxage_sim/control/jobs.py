"""`/_sim/jobs`: outbound jobs with their full state, dial tries and timeline."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .common import (
    ControlError,
    account_or_404,
    company_param,
    control_endpoint,
    ok,
    shown,
    state_of,
    whole_id,
)
from .lists import newest
from .serialize import job_json


@control_endpoint
async def list_jobs(request: Request) -> Response:
    state = state_of(request)
    company = company_param(request)
    accounts = ([account_or_404(state, company)] if company is not None
                else list(state.sim.accounts.values()))
    state.sim.run_due(company)
    jobs = [(j, a) for a in accounts for j in sorted(a.jobs.values(), key=lambda j: j.jobid)]
    shown, omitted = newest(jobs)
    return ok({"jobs": [job_json(j, a) for j, a in shown], "omitted": omitted})


@control_endpoint
async def show_job(request: Request) -> Response:
    state = state_of(request)
    raw = request.path_params["jobid"]
    jobid = whole_id(raw, "jobid")
    for account in state.sim.accounts.values():
        job = account.jobs.get(jobid) if jobid is not None else None
        if job is not None:
            state.sim.run_due(account.company)
            return ok(job_json(job, account))
    raise ControlError(404, f"no job {shown(raw)}")


ROUTES = [
    Route("/_sim/jobs", list_jobs, methods=["GET"]),
    Route("/_sim/jobs/{jobid}", show_job, methods=["GET"]),
]
