"""`GET /_sim/accounts/{company}/ports`: the number port requests `portstatus` lists.

Adding one (`POST`) and removing them all (`DELETE`) are the account-part routes
(`control.parts`): a port request there is the same object as in a scenario file
(`accounts[].port_requests`), checked by the same schema part with the same messages; its
times are offsets from the account's current simulated time (`"+0"`, `"7d"`) or date-times.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.ports import PortRequest
from .common import account_or_404, control_endpoint, ok, state_of
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


ROUTES = [
    Route("/_sim/accounts/{company}/ports", list_ports, methods=["GET"]),
]
