"""`/_sim/accounts/{company}/ports`: the number port requests `portstatus` lists.

A port request here is the same object as in a scenario file (`accounts[].port_requests`),
checked by the same schema part with the same messages; its times are offsets from the
account's current simulated time (`"+0"`, `"7d"`) or date-times.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.ports import PortRequest
from .common import ControlError, account_or_404, control_endpoint, ok, read_json, state_of
from .serialize import iso


def port_json(port: PortRequest) -> dict[str, Any]:
    return {"number": port.number, "requested": iso(port.requestdate),
            "due": iso(port.duedate), "completed": iso(port.completedate),
            "status": port.status, "comment": port.comment, "complete": port.complete}


@control_endpoint
async def list_ports(request: Request) -> Response:
    account = account_or_404(state_of(request), request.path_params["company"])
    return ok({"company": account.company,
               "port_requests": [port_json(p) for p in account.port_requests]})


@control_endpoint
async def add_port(request: Request) -> Response:
    """One port request, e.g. `{"number": "3035550100", "due": "+7d", "status": "FOC"}`."""
    from ..scenario.apply import port_requests
    from ..scenario.declare import read_part, ref
    from ..scenario.document import from_data
    from ..scenario.model import PortRequestSpec
    from ..scenario.schema import scenario_schema
    from ..scenario.validate import Validator

    account = account_or_404(state_of(request), request.path_params["company"])
    data = await read_json(request)
    issues = Validator(scenario_schema()).check(from_data(data, "<request>"),
                                                ref("port_request"))
    if issues:
        raise ControlError(400, "; ".join(f"{i.path}: {i.message}" for i in issues))
    port = port_requests([read_part(PortRequestSpec, data)], account.now())[0]
    account.port_requests.append(port)
    return ok(port_json(port), status=201)


@control_endpoint
async def clear_ports(request: Request) -> Response:
    account = account_or_404(state_of(request), request.path_params["company"])
    removed = len(account.port_requests)
    account.port_requests = []
    return ok({"company": account.company, "removed": removed})


ROUTES = [
    Route("/_sim/accounts/{company}/ports", list_ports, methods=["GET"]),
    Route("/_sim/accounts/{company}/ports", add_port, methods=["POST"]),
    Route("/_sim/accounts/{company}/ports", clear_ports, methods=["DELETE"]),
]
