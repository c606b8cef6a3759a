"""`/_sim/faults`: the injected faults in force; add one, remove one or all.

`POST /_sim/faults` takes `{"fault": {...}}` — the same fields as a fault of a scenario file
(README, "Faults") — with an optional `company` (the fault then hits that account's requests
only, and goes when the account does) and `seed` (for its probability and latency draws).
Times such as `"from": "+10m"` count from now on that account's clock (or the first
account's).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .common import (
    MAX_ID,
    ControlError,
    account_or_404,
    company_param,
    control_endpoint,
    ok,
    read_json,
    shown,
    state_of,
    whole_id,
)


@control_endpoint
async def list_faults(request: Request) -> Response:
    state = state_of(request)
    state.faults.prune(state.sim.accounts)
    company = company_param(request)
    return ok({"faults": [f.as_json() for f in state.faults.for_owner(company)]})


@control_endpoint
async def add(request: Request) -> Response:
    from ..scenario.build_faults import build_fault
    from ..scenario.declare import ref
    from ..scenario.document import from_data
    from ..scenario.schema import scenario_schema
    from ..scenario.validate import Validator

    state = state_of(request)
    data = await read_json(request)
    unknown = set(data) - {"fault", "company", "seed"}
    if unknown or not isinstance(data.get("fault"), dict):
        raise ControlError(400, 'the body is {"fault": {...}, "company"?: ..., "seed"?: N}'
                           + (f"; unknown field(s) {', '.join(sorted(unknown))[:200]}"
                              if unknown else ""))
    company = company_param(request, data)
    account = account_or_404(state, company) if company is not None else None
    seed = data.get("seed", state.sim.options.seed)
    if isinstance(seed, bool) or not isinstance(seed, int) or abs(seed) > MAX_ID:
        raise ControlError(400, f'"seed" must be a whole number from -{MAX_ID} to {MAX_ID}')
    doc = from_data(data["fault"], "<request>")
    issues = Validator(scenario_schema()).check(doc, ref("fault"), ())
    spec = None
    if not issues:
        spec = build_fault(doc, doc.data, (), issues)
    if spec is None:
        return ok({"error": "; ".join(str(i) for i in issues),
                   "issues": [i.as_json() for i in issues]}, status=400)
    clock_account = account or next(iter(state.sim.accounts.values()), None)
    start = clock_account.now() if clock_account is not None else state.sim.new_clock().now()
    ordinal = len(state.faults.for_owner(company))
    fault = state.faults.add(spec, seed=seed, start=start, ordinal=ordinal, owner=company,
                             source="control plane")
    return ok(fault.as_json(), status=201)


@control_endpoint
async def remove(request: Request) -> Response:
    state = state_of(request)
    raw = request.path_params["fault_id"]
    fault_id = whole_id(raw, "fault_id")
    if fault_id is None or not state.faults.remove(fault_id):
        raise ControlError(404, f"no fault {shown(raw)}")
    return ok({"removed": fault_id})


@control_endpoint
async def remove_all(request: Request) -> Response:
    state = state_of(request)
    company = company_param(request)
    before = len(state.faults.faults)
    if company is None:
        state.faults.clear()
    else:
        state.faults.clear(company, everything=False)
    return ok({"removed": before - len(state.faults.faults)})


ROUTES = [
    Route("/_sim/faults", list_faults, methods=["GET"]),
    Route("/_sim/faults", add, methods=["POST"]),
    Route("/_sim/faults", remove_all, methods=["DELETE"]),
    Route("/_sim/faults/{fault_id}", remove, methods=["DELETE"]),
]
