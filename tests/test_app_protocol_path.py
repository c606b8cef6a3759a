"""The FAXAGE URLs are answered from the top of the app (`app.FaxageApp`), past Starlette's
middleware and router: every answer, header and journal entry is what the router's way gives."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.applications import Starlette

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

Call = Callable[[Any, dict[str, Any], Any, Any], Awaitable[None]]
LOGIN = {"username": "demo", "company": "1000", "password": "demo"}
DOC = base64.b64encode(b"Hello, fax!\n" * 20).decode()
FORM = "application/x-www-form-urlencoded"

# (method, path, content type, body): the fast path's cases and the router's alone.
REQUESTS: list[tuple[str, str, str | None, bytes]] = [
    ("POST", "/httpsfax.php", FORM, urlencode({
        **LOGIN, "operation": "sendfax", "faxno": "3039911234", "recipname": "Alice",
        "faxfilenames[]": "a.txt", "faxfiledata[]": DOC}).encode()),
    ("POST", "/httpsfax.php", FORM, urlencode({**LOGIN, "operation": "status"}).encode()),
    ("POST", "/httpsfax.php", FORM, b"username=x"),
    ("POST", "/httpsfax.php", "application/json", b'{"username": "demo"}'),
    ("POST", "/httpsfax-debug.php", FORM, urlencode({**LOGIN, "operation": "nope"}).encode()),
    ("GET", "/httpsfax.php", None, b""),
    ("HEAD", "/getcdr.php", None, b""),
    ("POST", "/getcdr.php", FORM, urlencode(LOGIN).encode()),
    ("POST", "/provision.php", FORM, urlencode({**LOGIN, "operation": "x"}).encode()),
    ("POST", "/httpsfax.php", "multipart/form-data; boundary=XX",
     b'--XX\r\nContent-Disposition: form-data; name="username"\r\n\r\ndemo\r\n--XX--\r\n'),
    ("TRACE", "/httpsfax.php", None, b""),  # not a route method: 405, by the router
    ("POST", "/httpsfax.php/", FORM, b"a=1"),  # not the path: the router's redirect
]


async def exchange(call: Call, app: Starlette, method: str, path: str,
                   content_type: str | None, body: bytes) -> list[dict[str, Any]]:
    headers = [(b"host", b"127.0.0.1"), (b"content-length", str(len(body)).encode())]
    if content_type is not None:
        headers.append((b"content-type", content_type.encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8080)}
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await call(app, scope, receive, send)
    return messages


def journal_of(app: Starlette) -> list[dict[str, Any]]:
    return [{k: v for k, v in entry.as_json().items() if k not in ("wall_time", "duration_ms")}
            for entry in app.state.faxage.journal.entries]


async def answers(call: Call) -> tuple[list[list[dict[str, Any]]], list[dict[str, Any]]]:
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    async with app.router.lifespan_context(app):
        got = [await exchange(call, app, *request) for request in REQUESTS]
    return got, journal_of(app)


async def fast(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    await app(scope, receive, send)


async def by_router(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    await Starlette.__call__(app, scope, receive, send)


def test_protocol_urls_answer_as_through_the_router() -> None:
    fast_answers, fast_journal = asyncio.run(answers(fast))
    router_answers, router_journal = asyncio.run(answers(by_router))
    assert fast_answers == router_answers
    assert fast_journal == router_journal
    statuses = [messages[0]["status"] for messages in fast_answers]
    assert statuses == [200] * 10 + [405, 307]


@pytest.mark.parametrize("request_case", REQUESTS[:2])
def test_text_answers_carry_exactly_type_length_and_safety_headers(
        request_case: tuple[str, str, str | None, bytes]) -> None:
    messages, _ = asyncio.run(answers(fast))
    start, body = messages[REQUESTS.index(request_case)][:2]
    assert start["headers"] == [(b"content-type", b"text/html; charset=UTF-8"),
                                (b"content-length", str(len(body["body"])).encode()),
                                (b"content-security-policy", b"sandbox; default-src 'none'"),
                                (b"x-content-type-options", b"nosniff")]
