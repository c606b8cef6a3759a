"""One console line for each control-plane action (clock moved, reset, faults, accounts), so
a person watching `faxage-sim serve` sees what a test or a curl did.

It wraps the whole `/_sim/` router (one hook, in server/app.py) and reads only what went over
the wire: the request's JSON and the answer's. Actions the simulator announces itself (a
scenario loaded, settings changed, a DID switched, an inbound call) are left to those lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from .state import AppState

CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANNOUNCED_ELSEWHERE = re.compile(r"^/_sim/(scenario|inbound|accounts/[^/]+/dids/)")
SETTINGS_PATH = re.compile(r"/_sim/accounts/[^/]+")
Describe = Callable[[dict[str, Any], dict[str, Any], re.Match[str]], str]


def wrap(app: ASGIApp) -> ASGIApp:
    async def control_plane(scope: Scope, receive: Receive, send: Send) -> None:
        state: AppState | None = getattr(scope["app"].state, "faxage", None) \
            if "app" in scope else None
        if (scope["type"] != "http" or state is None or state.console is None
                or not announced_here(scope["method"], scope["path"])):
            await app(scope, receive, send)
            return
        asked, answered, status = bytearray(), bytearray(), [0]
        # Only a JSON body says anything (a snapshot upload is not kept a second time).
        json_body = any(k == b"content-type" and v.split(b";")[0].strip().lower()
                        == b"application/json" for k, v in scope.get("headers", []))

        async def reading() -> Message:
            message = await receive()
            if message["type"] == "http.request" and json_body:
                asked.extend(message.get("body", b""))
            return message

        async def answering(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body":
                answered.extend(message.get("body", b""))
            await send(message)

        await app(scope, reading, answering)
        if 200 <= status[0] < 300:
            announce(state, scope["method"], scope["path"], _json(asked), _json(answered))

    return control_plane


def announced_here(method: str, path: str) -> bool:
    """A state-changing control request that no simulator line already tells of."""
    if method not in CHANGING or ANNOUNCED_ELSEWHERE.match(path):
        return False
    # The simulator's account.settings line says what a settings change did.
    return not (method in ("PUT", "PATCH") and SETTINGS_PATH.fullmatch(path))


def announce(state: AppState, method: str, path: str, asked: dict[str, Any],
             answered: dict[str, Any]) -> None:
    if state.console is None:
        return
    for (wanted, pattern), describe in ACTIONS.items():
        match = re.fullmatch(pattern, path)
        if wanted == method and match:
            message = describe(asked, answered, match)
            break
    else:
        message = f"{method} {path}: done"
    company = _company(asked, answered, path)
    account = state.sim.accounts.get(company) if company is not None else None
    if account is None and company is not None:
        company = None  # removed just now: a simulator line
    at = account.now() if account is not None else _any_now(state)
    state.console.line("control", message, at=at, company=company, method=method, path=path)


def _advanced(asked: dict[str, Any], answered: dict[str, Any], _: re.Match[str]) -> str:
    return (f"clock advanced {answered.get('advanced', 0):g} s "
            f"{_whose(asked)}: every transition and callback due has run")


def _until_idle(asked: dict[str, Any], answered: dict[str, Any], _: re.Match[str]) -> str:
    moved = f"clock ran until idle {_whose(asked)}: moved {answered.get('advanced', 0):g} s"
    if answered.get("idle", True):
        return moved
    if answered.get("in_flight"):
        return moved + (f", not idle: {answered['in_flight']} deliveries (callbacks, pushes, "
                        "URL fetches, emails) still in flight")
    return moved + ", still busy at max_seconds"


def _reset(asked: dict[str, Any], answered: dict[str, Any], _: re.Match[str]) -> str:
    accounts = answered.get("accounts") or []
    return f"reset to the start-up state: account(s) {', '.join(map(str, accounts)) or 'none'}"


def _fault_added(asked: dict[str, Any], answered: dict[str, Any], _: re.Match[str]) -> str:
    return f'fault {answered.get("id")} "{answered.get("name")}" added: {answered.get("effect")}'


def _fault_removed(asked: dict[str, Any], answered: dict[str, Any], m: re.Match[str]) -> str:
    if m.group(1):
        return f"fault {m.group(1)} removed"
    return f"{answered.get('removed', 0)} fault(s) removed"


def _account_created(asked: dict[str, Any], answered: dict[str, Any], _: re.Match[str]) -> str:
    users = [str(u.get("username")) for u in answered.get("users") or []
             if isinstance(u, dict)]
    dids = answered.get("dids") or []
    return (f"account {answered.get('company')} created: user(s) {', '.join(users) or 'none'}, "
            f"{len(dids)} DID(s)")


def _account_removed(asked: dict[str, Any], answered: dict[str, Any], m: re.Match[str]) -> str:
    return f"account {m.group(1)} removed"


ACTIONS: dict[tuple[str, str], Describe] = {
    ("POST", r"/_sim/clock/advance"): _advanced,
    ("POST", r"/_sim/clock/run-until-idle"): _until_idle,
    ("POST", r"/_sim/reset"): _reset,
    ("POST", r"/_sim/faults"): _fault_added,
    ("DELETE", r"/_sim/faults(?:/([^/]+))?"): _fault_removed,
    ("POST", r"/_sim/accounts"): _account_created,
    ("DELETE", r"/_sim/accounts/([^/]+)"): _account_removed,
}


def _whose(asked: dict[str, Any]) -> str:
    company = asked.get("company")
    return f"for company {company}" if company is not None else "for every account"


def _company(asked: dict[str, Any], answered: dict[str, Any], path: str) -> str | None:
    account = re.fullmatch(r"/_sim/accounts/([^/]+)", path)
    if account:
        return account.group(1)
    if path == "/_sim/accounts":
        return str(answered["company"]) if answered.get("company") is not None else None
    value = asked.get("company", answered.get("owner"))
    return None if value is None else str(value)


def _any_now(state: AppState) -> float | None:
    account = next(iter(state.sim.accounts.values()), None)
    return account.now() if account is not None else None


def _json(body: bytearray) -> dict[str, Any]:
    try:
        data = json.loads(body) if body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
