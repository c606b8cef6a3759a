"""Helpers shared by the control-plane modules: JSON in and out, clear errors, and the
checks every value passes before anything changes (docs/security.md lists the bounds)."""

from __future__ import annotations

import asyncio
import functools
import json
import math
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .jsonparse import TooDeep, decode_text, loads_in_pieces

if TYPE_CHECKING:
    from ..core.accounts import Account
    from ..server.state import AppState

MAX_JSON_DEPTH = 32  # objects and arrays nested in a control-plane body
MAX_ID_DIGITS = 19  # ids in paths and query strings: at most 2**63 - 1
MAX_ID = 2**63 - 1
MAX_COMPANY_LENGTH = 64
MAX_ADVANCE_SECONDS = 86400.0  # one clock advance or run-until-idle: a simulated day
# A body up to this size is parsed on the event loop (a few milliseconds at most); a bigger
# one in a worker thread, in pieces that let the loop in (control/jsonparse.py).
INLINE_PARSE_BYTES = 256 * 1024
MAX_PARALLEL_PARSES = 2  # big bodies parsed at once (the machine's cores, at least)


class ControlError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.faxage
    return state


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def error(exc: ControlError) -> JSONResponse:
    return JSONResponse({"error": exc.message, **exc.extra}, status_code=exc.status)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(body: bytes) -> Any:
    """JSON without NaN/Infinity, with finite numbers, at most MAX_JSON_DEPTH deep.

    A body over INLINE_PARSE_BYTES is parsed in bounded pieces (control/jsonparse.py): run
    in a worker thread (`parse_json_off_loop`), it leaves the event loop free."""
    try:
        if len(body) <= INLINE_PARSE_BYTES:
            data = json.loads(body, parse_float=_finite, parse_constant=_no_constant)
        else:
            data = loads_in_pieces(decode_text(body), parse_float=_finite,
                                   parse_constant=_no_constant, max_depth=MAX_JSON_DEPTH)
    except (RecursionError, TooDeep) as exc:
        raise ControlError(400, f"the body is nested deeper than {MAX_JSON_DEPTH} levels") \
            from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlError(400, f"the body is not valid JSON: {str(exc)[:200]}") from exc
    if depth_of(data) > MAX_JSON_DEPTH:
        raise ControlError(400, f"the body is nested deeper than {MAX_JSON_DEPTH} levels")
    return data


async def parse_json_off_loop(body: bytes) -> Any:
    """`parse_json`, in a worker thread when the body is big (the loop serves other
    clients meanwhile); a small body is parsed at once (a thread costs more than it).
    At most MAX_PARALLEL_PARSES big bodies are parsed at a time; the others wait their
    turn (each parse holds several times its body's size)."""
    if len(body) <= INLINE_PARSE_BYTES:
        return parse_json(body)
    from starlette.concurrency import run_in_threadpool

    loop = asyncio.get_running_loop()
    slots = _parse_slots.get(loop)
    if slots is None:
        slots = _parse_slots[loop] = asyncio.Semaphore(MAX_PARALLEL_PARSES)
    async with slots:
        return await run_in_threadpool(parse_json, body)


# Per event loop (the tests run several): the big-body parses under way.
_parse_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = \
    weakref.WeakKeyDictionary()


def depth_of(data: Any) -> int:
    """How deeply objects and arrays nest (without recursion: any depth is measured)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                return depth
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, depth + 1) for child in children)
    return deepest


async def read_body(request: Request, limit: int, too_large: str) -> bytes:
    """The request body, refused with 413 `too_large` as soon as it passes `limit` bytes:
    by its Content-Length before any is read, else while it arrives (a chunked body has
    none), never after holding it all."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and len(declared) < 20 \
            and int(declared) > limit:
        raise ControlError(413, too_large)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ControlError(413, too_large)
        if chunk:
            chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def read_json(request: Request) -> dict[str, Any]:
    limit = state_of(request).config.max_body
    body = await read_body(request, limit,
                           f"the body is larger than {limit} bytes (serve --max-body)")
    if not body.strip():
        return {}
    data = await parse_json_off_loop(body)
    if not isinstance(data, dict):
        raise ControlError(400, "the body must be a JSON object")
    return data


def shown(value: object) -> str:
    """A value in an error message, cut short."""
    from ..scenario.errors import cut_short

    return cut_short(str(value))


def account_or_404(state: AppState, company: str | None) -> Account:
    if company is None:
        raise ControlError(400, "name a company")
    account = state.sim.accounts.get(str(company))
    if account is None:
        raise ControlError(404, f"no account with company {shown(company)}")
    return account


def company_value(value: Any, where: str = "company") -> str | None:
    """A company as given in a body or query: a string or a whole number, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ControlError(400, f'"{where}" must be a string or a whole number')
    text = str(value) if not isinstance(value, int) or abs(value) <= MAX_ID else ""
    if not text or len(text) > MAX_COMPANY_LENGTH or not text.isprintable():
        raise ControlError(400, f'"{where}" must be 1 to {MAX_COMPANY_LENGTH} printable '
                                "characters")
    return text


def company_param(request: Request, data: dict[str, Any] | None = None) -> str | None:
    if data is not None and "company" in data:
        return company_value(data["company"])
    return company_value(request.query_params.get("company"))


def number(data: dict[str, Any], name: str, default: float | None = None,
           maximum: float | None = None) -> float:
    """A finite number from 0 to `maximum` (an int or a float; never a bool or a string)."""
    value = data.get(name, default)
    bounds = f"from 0 to {maximum:g}" if maximum is not None else ">= 0"
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not (-1 < value < 1e300) or not math.isfinite(value) or value < 0 \
            or (maximum is not None and value > maximum):
        raise ControlError(400, f'"{name}" must be a number {bounds}')
    return float(value)


def whole_id(raw: str | None, name: str) -> int | None:
    """An id from a path or query string: ASCII digits, at most 2**63 - 1; else None."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > MAX_ID_DIGITS:
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


def whole_param(request: Request, name: str, maximum: int = MAX_ID) -> int | None:
    """An optional whole-number query parameter from 0 to `maximum`; 400 otherwise."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    value = whole_id(raw.strip(), name)
    if value is None or value > maximum:
        raise ControlError(400, f'"{name}" must be a whole number from 0 to {maximum}, '
                                f"not {shown(raw)!r}")
    return value


def schema_check(data: Any, schema: dict[str, Any], where: tuple[str, ...] = ()) -> None:
    """Check a body part against the scenario files' JSON Schema (scenario/schema.py):
    a control request and a scenario file accept exactly the same values. `where` is the
    part's path in the body (its issues are named `settings.tries`...)."""
    from ..scenario.document import from_data
    from ..scenario.validate import Validator

    validator = Validator(scenario_defs())
    issues = validator.check(from_data(data, "<request>"), schema, where)
    if issues:
        raise ControlError(400, "; ".join(f"{i.path}: {i.message}" for i in issues[:5]),
                           issues=[{"path": i.path, "message": i.message}
                                   for i in issues[:50]])


@functools.cache
def scenario_defs() -> dict[str, Any]:
    """The scenario schema, built once (building it reads the settings' type hints)."""
    from ..scenario.schema import scenario_schema

    return scenario_schema()


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
