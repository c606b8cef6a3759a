"""`/_sim/accounts`: list, create, show, change settings of, and remove accounts."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.accounts import AccountSettings, SettingsError, User, apply_fields
from ..core.clock import ClockMode
from ..core.numbering import is_ten_digits
from .common import ControlError, account_or_404, control_endpoint, ok, read_json, state_of
from .serialize import account_json


def _users(data: Any) -> list[User]:
    if not isinstance(data, list) or not data:
        raise ControlError(400, '"users" must be a non-empty list')
    users = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("username"), str) \
                or not isinstance(item.get("password"), str):
            raise ControlError(400, f"users[{i}] needs a username and a password (strings)")
        unknown = set(item) - {"username", "password", "email", "manager", "dids"}
        if unknown:
            raise ControlError(400, f"users[{i}]: unknown field(s) {', '.join(sorted(unknown))}")
        users.append(User(item["username"], item["password"], str(item.get("email", "")),
                          bool(item.get("manager", True)), [str(d) for d in item.get("dids", [])]))
    return users


def _dids(data: Any) -> list[str]:
    if not isinstance(data, list) or not all(is_ten_digits(str(d)) for d in data):
        raise ControlError(400, '"dids" must be a list of 10-digit numbers')
    return [str(d) for d in data]


@control_endpoint
async def list_accounts(request: Request) -> Response:
    state = state_of(request)
    return ok({"accounts": [account_json(a) for a in state.sim.accounts.values()]})


@control_endpoint
async def create(request: Request) -> Response:
    """Create an account. Every field is optional: a fresh company, user `demo`, two DIDs."""
    data = await read_json(request)
    state = state_of(request)
    unknown = set(data) - {"company", "users", "dids", "did_count", "settings", "clock"}
    if unknown:
        raise ControlError(400, f"unknown field(s) {', '.join(sorted(unknown))}")
    company = None if data.get("company") is None else str(data["company"])
    if company is not None and company in state.sim.accounts:
        raise ControlError(409, f"company {company} already exists")
    users = _users(data["users"]) if "users" in data else None
    dids = _dids(data["dids"]) if "dids" in data else None
    settings = AccountSettings()
    try:
        apply_fields(settings, data.get("settings", {}))
    except SettingsError as exc:
        raise ControlError(400, str(exc)) from exc
    clock_data = data.get("clock", {})
    if not isinstance(clock_data, dict):
        raise ControlError(400, '"clock" must be an object')
    try:
        mode = ClockMode(clock_data["mode"]) if "mode" in clock_data else None
        clock = state.sim.new_clock(mode, clock_data.get("speed"), clock_data.get("start"))
    except (ValueError, TypeError) as exc:
        raise ControlError(400, f"clock: {exc}") from exc
    did_count = data.get("did_count", 2)
    if not isinstance(did_count, int) or not 0 <= did_count <= 1000:
        raise ControlError(400, '"did_count" must be a whole number from 0 to 1000')
    account = state.sim.create_account(company, users, dids, settings, clock, did_count)
    return ok(account_json(account), status=201)


@control_endpoint
async def show(request: Request) -> Response:
    return ok(account_json(account_or_404(state_of(request), request.path_params["company"])))


@control_endpoint
async def update(request: Request) -> Response:
    """Change settings: the body is `{"setting": value, ...}` (or `{"settings": {...}}`)."""
    state = state_of(request)
    account = account_or_404(state, request.path_params["company"])
    data = await read_json(request)
    changes = data.get("settings", data) if set(data) <= {"settings"} else data
    try:
        state.sim.change_settings(account, changes, account.now(), by="the control plane")
    except SettingsError as exc:
        raise ControlError(400, str(exc)) from exc
    return ok(account_json(account))


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
