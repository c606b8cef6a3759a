"""Helpers shared by the control-plane modules: JSON in and out, clear errors."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

if TYPE_CHECKING:
    from ..core.accounts import Account
    from ..state import AppState


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.faxage
    return state


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def error(exc: ControlError) -> JSONResponse:
    return JSONResponse({"error": exc.message}, status_code=exc.status)


async def read_json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlError(400, f"the body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ControlError(400, "the body must be a JSON object")
    return data


def account_or_404(state: AppState, company: str | None) -> Account:
    if company is None:
        raise ControlError(400, "name a company")
    account = state.sim.accounts.get(str(company))
    if account is None:
        raise ControlError(404, f"no account with company {company}")
    return account


def company_param(request: Request, data: dict[str, Any] | None = None) -> str | None:
    value = (data or {}).get("company", request.query_params.get("company"))
    return None if value is None else str(value)


def number(data: dict[str, Any], name: str, default: float | None = None) -> float:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ControlError(400, f'"{name}" must be a number >= 0')
    return float(value)


def control_endpoint(
    fn: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Answer a `ControlError` as a JSON error with its status, never a traceback."""

    @functools.wraps(fn)
    async def wrapper(request: Request) -> Response:
        try:
            return await fn(request)
        except ControlError as exc:
            return error(exc)

    return wrapper
