"""`/_sim/accounts`: list, create, show, change settings of, and remove accounts."""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.accounts import AccountSettings, SettingsError, User, apply_fields
from ..core.clock import ClockMode
from .common import (
    ControlError,
    account_or_404,
    company_value,
    control_endpoint,
    ok,
    read_json,
    scenario_defs,
    schema_check,
    state_of,
)
from .serialize import account_json

MAX_USERS = 1000
MAX_DIDS = 10_000
MAX_CLOCK_START = 4_102_444_800  # 2100-01-01T00:00:00Z


@functools.cache
def _create_schema() -> dict[str, Any]:
    """A new account's body: a scenario file's account, plus its clock (epoch seconds)."""
    from ..scenario.model import ClockSpec
    from ..scenario.schema import part_schema

    account = scenario_defs()["$defs"]["account"]
    clock = part_schema(ClockSpec)["properties"]
    properties = {k: v for k, v in account["properties"].items() if k != "disabled_dids"}
    properties["users"] = {**properties["users"], "maxItems": MAX_USERS}
    properties["dids"] = {**properties["dids"], "maxItems": MAX_DIDS}
    properties["clock"] = {
        "type": "object", "additionalProperties": False, "description": "The account's clock.",
        "properties": {
            "mode": clock["mode"], "speed": clock["speed"],  # as a scenario's clock
            "start": {"type": "number", "minimum": 0, "maximum": MAX_CLOCK_START,
                      "description": "epoch seconds"}}}
    return {**account, "properties": properties}


def _users(data: list[dict[str, Any]]) -> list[User]:
    return [User(item["username"], item["password"], str(item.get("email", "")),
                 bool(item.get("manager", True)), [str(d) for d in item.get("dids", [])])
            for item in data]


def masked(request: Request) -> bool:
    """Passwords hidden unless `?show_passwords=1` or `serve --show-passwords`."""
    wanted = request.query_params.get("show_passwords", "")
    if wanted not in ("", "0", "1", "true", "false"):
        raise ControlError(400, '"show_passwords" must be 1 or 0')
    return not (wanted in ("1", "true") or state_of(request).config.show_passwords)


@control_endpoint
async def list_accounts(request: Request) -> Response:
    state = state_of(request)
    mask = masked(request)
    return ok({"accounts": [account_json(a, mask) for a in state.sim.accounts.values()]})


@control_endpoint
async def create(request: Request) -> Response:
    """Create an account. Every field is optional: a fresh company, user `demo`, two DIDs.

    The answer shows the new users' passwords: the caller made them."""
    data = await read_json(request)
    state = state_of(request)
    schema_check(data, _create_schema())
    from ..scenario.model import ACCOUNT_PARTS, normalize_settings

    company = company_value(data.get("company"))
    if company is not None and company in state.sim.accounts:
        raise ControlError(409, f"company {company} already exists")
    users = _users(data["users"]) if "users" in data else None
    dids = [str(d) for d in data["dids"]] if "dids" in data else None
    settings = AccountSettings()
    try:
        apply_fields(settings, normalize_settings(data.get("settings", {})))
    except SettingsError as exc:
        raise ControlError(400, str(exc)) from exc
    clock_data = data.get("clock", {})
    try:
        mode = ClockMode(clock_data["mode"]) if "mode" in clock_data else None
        clock = state.sim.new_clock(mode, clock_data.get("speed"), clock_data.get("start"))
    except (ValueError, TypeError) as exc:
        raise ControlError(400, f"clock: {exc}") from exc
    account = state.sim.create_account(company, users, dids, settings, clock,
                                       data.get("did_count", 2))
    for part in ACCOUNT_PARTS:  # port_requests...: as a scenario file's account sets them
        if part.key in data:
            part.replace(state.sim, account, part.read_items(data), account.now())
    return ok(account_json(account, masked=False), status=201)


@control_endpoint
async def show(request: Request) -> Response:
    account = account_or_404(state_of(request), request.path_params["company"])
    return ok(account_json(account, masked(request)))


@control_endpoint
async def update(request: Request) -> Response:
    """Change settings: the body is `{"setting": value, ...}` (or `{"settings": {...}}`)."""
    state = state_of(request)
    account = account_or_404(state, request.path_params["company"])
    data = await read_json(request)
    changes = data.get("settings", data) if set(data) <= {"settings"} else data
    from ..scenario.declare import ref
    from ..scenario.model import normalize_settings

    schema_check(changes, ref("settings"), ("settings",))
    try:
        state.sim.change_settings(account, normalize_settings(changes), account.now(),
                                  by="the control plane")
    except SettingsError as exc:
        raise ControlError(400, str(exc)) from exc
    return ok(account_json(account, masked(request)))


@control_endpoint
async def remove(request: Request) -> Response:
    state = state_of(request)
    account = account_or_404(state, request.path_params["company"])
    state.sim.remove_account(account.company)
    return ok({"removed": account.company})


ROUTES = [
    Route("/_sim/accounts", list_accounts, methods=["GET"]),
    Route("/_sim/accounts", create, methods=["POST"]),
    Route("/_sim/accounts/{company}", show, methods=["GET"]),
    Route("/_sim/accounts/{company}", update, methods=["PUT", "PATCH"]),
    Route("/_sim/accounts/{company}", remove, methods=["DELETE"]),
]
