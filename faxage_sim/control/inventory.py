"""`/_sim/inventory`: the rate-center inventory behind provision.php and `portable`.

Read it whole, or add a rate center (with spare numbers) so that a test can provision from a
known exchange.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.numbering import is_ten_digits
from .common import ControlError, control_endpoint, ok, read_json, state_of

MAX_LABEL = 200
MAX_NUMBERS = 10_000


@control_endpoint
async def show(request: Request) -> Response:
    """Every rate center with its available numbers; `?ac=` narrows to one area code."""
    inventory = state_of(request).sim.inventory
    area_code = request.query_params.get("ac")
    centers = [
        {"npanxx": center.npanxx, "name": center.name, "state": center.state,
         "available": numbers}
        for center, numbers in inventory.rate_centers()
        if area_code is None or center.npanxx.startswith(area_code)
    ]
    return ok({"area_codes": inventory.area_codes(),
               "available": sum(len(c["available"]) for c in centers),
               "rate_centers": centers})


def _label(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_LABEL \
            or any(c in value for c in "\t\r\n"):
        raise ControlError(400, f'"{name}" must be a non-empty string without tabs or '
                                f"line breaks, at most {MAX_LABEL} characters")
    return value.strip()


@control_endpoint
async def add_rate_center(request: Request) -> Response:
    """`{"npanxx": "720555", "name": "Boulder", "state": "CO", "numbers": ["7205550100"]}`.

    An existing NPANXX is renamed and gains the numbers; numbers an account holds are skipped.
    """
    state = state_of(request)
    data = await read_json(request)
    unknown = set(data) - {"npanxx", "name", "state", "numbers"}
    if unknown:
        raise ControlError(400, f"unknown field(s) {', '.join(sorted(unknown))}")
    npanxx = data.get("npanxx")
    if not isinstance(npanxx, str) or len(npanxx) != 6 or not npanxx.isascii() \
            or not npanxx.isdigit():
        raise ControlError(400, '"npanxx" must be 6 digits')
    name, rc_state = _label(data, "name"), _label(data, "state")
    numbers = data.get("numbers", [])
    if not isinstance(numbers, list) or len(numbers) > MAX_NUMBERS or not all(
            isinstance(n, str) and is_ten_digits(n) and n.startswith(npanxx) for n in numbers):
        raise ControlError(400, f'"numbers" must be at most {MAX_NUMBERS} 10-digit numbers '
                                f"starting with {npanxx}")
    owned = {d for account in state.sim.accounts.values() for d in account.dids}
    inventory = state.sim.inventory
    inventory.add_rate_center(npanxx, name, rc_state, [n for n in numbers if n not in owned])
    center = inventory.rate_center(npanxx)
    assert center is not None
    return ok({"npanxx": npanxx, "name": center.name, "state": center.state,
               "available": inventory.available_numbers(npanxx=npanxx)}, status=201)


ROUTES = [
    Route("/_sim/inventory", show, methods=["GET"]),
    Route("/_sim/inventory/rate-centers", add_rate_center, methods=["POST"]),
]
