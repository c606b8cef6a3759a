"""`POST` and `DELETE /_sim/accounts/{company}/{route}`: an account part's items
(`scenario.parts`; `ports` is the number port requests `portstatus` lists).

One route serves every part declared on a scenario's account: a body is checked with the
part's schema (`#/$defs/{name}`, the messages scenario files get), read with `read_part` and
handed to the part's core call, so a new part needs no route of its own. The registry is
imported on the first request to such a path, not at start-up.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

from .common import ControlError, account_or_404, control_endpoint, ok, read_json, state_of
from .ports import port_json

if TYPE_CHECKING:
    from ..scenario.parts import AccountPart

# How the control plane shows an item it added, by route; any other part's item shows its
# core object's fields.
ITEM_JSON: dict[str, Callable[[Any], dict[str, Any]]] = {"ports": port_json}


@functools.cache
def parts_by_route() -> dict[str, AccountPart]:
    from ..scenario.model import ACCOUNT_PARTS

    return {part.route: part for part in ACCOUNT_PARTS}


def _item_json(part: AccountPart, item: object) -> dict[str, Any]:
    shown = ITEM_JSON.get(part.route)
    if shown is not None:
        return shown(item)
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return dataclasses.asdict(item)
    return {}


class PartRoute(Route):
    """Matches `/_sim/accounts/{company}/{part}` only for a declared part's route, so any
    other path (and its 404 or 405) stays the other routes'."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE and child["path_params"]["part"] not in parts_by_route():
            return Match.NONE, {}
        return match, child


@control_endpoint
async def add_item(request: Request) -> Response:
    """One item, e.g. `{"number": "3035550100", "due": "+7d", "status": "FOC"}` for ports."""
    from ..scenario.declare import ref
    from ..scenario.document import from_data
    from ..scenario.schema import scenario_schema
    from ..scenario.validate import Validator

    part = parts_by_route()[request.path_params["part"]]
    state = state_of(request)
    account = account_or_404(state, request.path_params["company"])
    data = await read_json(request)
    issues = Validator(scenario_schema()).check(from_data(data, "<request>"), ref(part.name))
    if issues:
        raise ControlError(400, "; ".join(f"{i.path}: {i.message}" for i in issues))
    item = part.add_data(state.sim, account, data, account.now())
    return ok(_item_json(part, item), status=201)


@control_endpoint
async def clear_items(request: Request) -> Response:
    part = parts_by_route()[request.path_params["part"]]
    state = state_of(request)
    account = account_or_404(state, request.path_params["company"])
    return ok({"company": account.company, "removed": part.clear(state.sim, account)})


ROUTES = [
    PartRoute("/_sim/accounts/{company}/{part}", add_item, methods=["POST"]),
    PartRoute("/_sim/accounts/{company}/{part}", clear_items, methods=["DELETE"]),
]
