"""What every protocol endpoint shares: reading the POST as PHP would, answers, the journal."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final, Protocol

import msgspec
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..server.journal import ANSWER_KEPT, JournalEntry, journal_fields
from ..wire import catalog
from ..wire.forms import PARSE_IN_THREAD_BYTES, PhpPost, parse_post

if TYPE_CHECKING:
    from ..core.accounts import Account, User
    from ..core.simulator import Simulator
    from ..faults.effects import Replacement
    from ..server.journal import JournalEntry
    from ..server.state import AppState

log = logging.getLogger("faxage_sim")


class Answer(msgspec.Struct):
    """A protocol answer: text (always HTTP 200) or a binary attachment."""

    body: str | bytes
    filename: str | None = None  # set for binary answers (getfax, dlstatus, dltrans)
    outcome: str = ""  # a short summary for the journal and auditlog
    status: int = 200
    headers: dict[str, str] = msgspec.field(default_factory=dict)

    @property
    def first_line(self) -> str:
        if isinstance(self.body, bytes):
            return f"<{len(self.body)} bytes: {self.filename}>"
        end = self.body.find("\n")  # not split: a long list answer is not copied for it
        return (self.body if end < 0 else self.body[:end]).rstrip("\r")[:200]

    @property
    def kept_text(self) -> str:
        """What the journal keeps of the answer: the text's start, or the file's name."""
        if isinstance(self.body, bytes):
            return self.first_line
        return self.body[:ANSWER_KEPT]


def outcome_of(body: str) -> str:
    """Journal summary of a text answer: never a raw `ERRnn:` text (docs/protocol.md, auditlog)."""
    if body.startswith("ERR") and body[3:5].isdigit():
        return f"error {body[3:5]}"
    if body.startswith("JOBID: "):
        return "JOBID " + body[7:].strip()
    return "ok"


def internal_error() -> Answer:
    """An emulator bug: one clear line, never a traceback, the connection kept usable."""
    return Answer(catalog.INTERNAL_ERROR, status=500, outcome="internal error")


def text(body: str) -> Answer:
    return Answer(body, outcome=outcome_of(body))


def binary(data: bytes, filename: str) -> Answer:
    return Answer(data, filename=filename, outcome="file")


# The headers of every protocol answer, encoded once: an answer's header list is one of these
# plus its content-length and the browser-safety headers (the bytes and order Starlette's
# Response and `InertInBrowser` give). A header every protocol answer carries goes in both.
TEXT_HEADERS: Final[tuple[tuple[bytes, bytes], ...]] = (
    (b"content-type", catalog.TEXT_CONTENT_TYPE.encode("latin-1")),
)
BINARY_HEADERS: Final[tuple[tuple[bytes, bytes], ...]] = (
    (b"content-type", catalog.BINARY_CONTENT_TYPE.encode("latin-1")),
)
SAFETY_HEADERS: Final[tuple[tuple[bytes, bytes], ...]] = tuple(
    (name.encode("latin-1"), value.encode("latin-1"))
    for name, value in catalog.PROTOCOL_SAFETY_HEADERS.items())
_SAFETY_NAMES: Final = frozenset(name for name, _ in SAFETY_HEADERS)


class ProtocolResponse(Response):
    """A Response whose header list is given whole (`to_response`), not built from a dict;
    it already carries the browser-safety headers."""

    def __init__(self, body: bytes, status_code: int,
                 raw_headers: list[tuple[bytes, bytes]]) -> None:
        self.status_code = status_code
        self.background = None
        self.body = body
        self.raw_headers = raw_headers


def to_response(answer: Answer) -> Response:
    body = answer.body
    if type(body) is str and not answer.headers and answer.status == 200:
        # A text answer, as nearly every one is: its header list in one go.
        data = body.encode("utf-8")
        return ProtocolResponse(data, 200, [
            *TEXT_HEADERS, (b"content-length", b"%d" % len(data)), *SAFETY_HEADERS])
    binary_answer = answer.filename is not None and isinstance(answer.body, bytes)
    if answer.headers:  # a fault's replacement with its own content type: rare, the long way
        headers = {"content-type": catalog.BINARY_CONTENT_TYPE if binary_answer
                   else catalog.TEXT_CONTENT_TYPE}
        if binary_answer:
            assert answer.filename is not None
            headers["content-disposition"] = catalog.attachment_disposition(answer.filename)
        headers.update(answer.headers)
        return Response(answer.body, status_code=answer.status, headers=headers)
    if binary_answer:
        assert answer.filename is not None
        raw_headers = [*BINARY_HEADERS, (b"content-disposition", catalog.attachment_disposition(
            answer.filename).encode("latin-1"))]
    else:
        raw_headers = list(TEXT_HEADERS)
    body = answer.body if isinstance(answer.body, bytes) else answer.body.encode("utf-8")
    status = answer.status
    if not (status < 200 or status in (204, 304)):
        raw_headers.append((b"content-length", str(len(body)).encode("latin-1")))
    raw_headers.extend(SAFETY_HEADERS)
    return ProtocolResponse(body, status, raw_headers)


def inert_send(send: Send) -> Send:
    """`send`, with the catalog's `PROTOCOL_SAFETY_HEADERS` added to the response's start
    unless it carries them already (a `ProtocolResponse`)."""

    async def inert(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = message.get("headers", ())
            if not any(name in _SAFETY_NAMES for name, _ in headers):
                message = {**message, "headers": [*headers, *SAFETY_HEADERS]}
        await send(message)

    return inert


class InertInBrowser:
    """ASGI wrapper of the whole app: every answer outside `/_sim` (the FAXAGE URLs, their
    injected faults and internal errors, 404s, 405s, `/`) gets the catalog's
    `PROTOCOL_SAFETY_HEADERS`, so none can run script in a browser. Applied once, at the
    response's start, whatever built it; the control plane sets its own (control/guard). The
    protocol URLs answered from the top of the app (`FaxageApp`) pass `inert_send` too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path == "/_sim" or path.startswith("/_sim/"):
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, inert_send(send))


class FaultGate(Protocol):
    """What a request asks of the injected faults (`endpoints.faulted.FaultGate`)."""

    def before(self) -> Replacement | None: ...
    def after(self) -> Replacement | None: ...
    def at_operation(self, company: str, error: str) -> bool: ...
    def respond(self, response: Response, entry: JournalEntry, started: float) -> Response: ...


class NoFaults:
    """The fault gate of a request while no fault is in force: lets everything through."""

    def before(self) -> Replacement | None:
        return None

    def after(self) -> Replacement | None:
        return None

    def at_operation(self, company: str, error: str) -> bool:
        return False

    def respond(self, response: Response, entry: JournalEntry, started: float) -> Response:
        return response


NO_FAULTS: FaultGate = NoFaults()


class OpContext(msgspec.Struct):
    """An authenticated request to one operation."""

    state: AppState
    account: Account
    user: User
    post: PhpPost
    client_ip: str
    faults: FaultGate = NO_FAULTS

    @property
    def sim(self) -> Simulator:
        return self.state.sim


OpHandler = Callable[[OpContext], Answer | Awaitable[Answer]]


async def call_op(handler: OpHandler, ctx: OpContext) -> Answer:
    result = handler(ctx)
    if isinstance(result, Answer):  # not inspect.isawaitable: an ABC check on every request
        return result
    return await result


async def read_body(scope: Scope, receive: Receive, content_length: str | None,
                    max_body: int) -> tuple[bytes, bool]:
    """The body, or (b"", True) when it exceeds `max_body` (PHP then sees an empty POST).
    Read straight from the ASGI messages (what `Request.stream` does, without its layers)."""
    if scope["method"] != "POST":
        return b"", False
    declared = content_length
    if declared is not None and declared.isascii() and declared.isdigit() \
            and (len(declared) > 18 or int(declared) > max_body):
        return b"", True
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > max_body:
                return b"", True
            if chunk:
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()
    return chunks[0] if len(chunks) == 1 else b"".join(chunks), False


def body_headers(scope: Scope) -> tuple[str | None, str | None]:
    """The request's Content-Type and Content-Length (the first of each), in one pass."""
    content_type = content_length = None
    for key, value in scope["headers"]:
        if key == b"content-type" and content_type is None:
            content_type = value.decode("latin-1")
        elif key == b"content-length" and content_length is None:
            content_length = value.decode("latin-1")
    return content_type, content_length


UrlHandler = Callable[["AppState", PhpPost, str, "Journaling"], Awaitable[Answer]]


class Journaling(msgspec.Struct):
    """What the URL handler learnt about the request, for its journal entry."""

    operation: str | None = None
    company: str | None = None
    username: str | None = None
    sim_time: float | None = None
    fault: str | None = None  # the name of the injected fault that hit the request
    fault_effect: str | None = None
    fault_id: int | None = None
    faults: FaultGate = NO_FAULTS  # the request's fault gate (for its operations)


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def request_path(scope: Scope) -> str:
    """`request.url.path`, without building the URL."""
    path: str = scope["path"]
    return path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")


async def serve_protocol(request: Request, handler: UrlHandler) -> Response:
    """Run one FAXAGE URL: read the POST as PHP would, answer, journal, never a traceback.

    Injected faults come in here, through the request's fault gate: one that hits the
    request as it arrives (ERR01, an HTTP fault) is decided before the URL's own handler
    runs, so before credentials. Without a fault in force the gate is `NO_FAULTS` and the
    fault machinery is never imported (lean start-up, fast requests).
    """
    started = time.perf_counter()
    scope = request.scope
    state: AppState = scope["app"].state["faxage"]  # (not `.faxage`: State's __getattr__)
    path = request_path(scope)
    content_type, content_length = body_headers(scope)
    body, oversized = await read_body(scope, request.receive, content_length,
                                      state.config.max_body)
    if oversized:
        log.warning(
            "%s: request body exceeds --max-body (%d bytes); answered as PHP answers an "
            "oversized POST (it arrives empty)", path, state.config.max_body)
    post = (parse_post(content_type, body) if len(body) < PARSE_IN_THREAD_BYTES
            else await asyncio.to_thread(parse_post, content_type, body))
    notes = Journaling()
    ip = client_ip(scope)
    named_company = post.get_str("company")
    if state.has_faults:
        from .faulted import FaultGate

        notes.faults = FaultGate(state, path, post, notes)
    gate = notes.faults
    try:
        replacement = gate.before()
        if replacement is not None:
            notes.operation = post.get_str("operation")
        else:
            answer = await handler(state, post, ip, notes)
            replacement = gate.after()
        if replacement is not None:
            answer = replaced(replacement)
    except Exception:
        log.error("faxage-sim internal error on %s:\n%s", path, traceback.format_exc())
        answer = internal_error()
    if oversized:
        notes.fault = notes.fault or "max-body exceeded"
    fields, fields_cost = journal_fields(post)
    journal = state.journal
    sim_time = notes.sim_time if notes.sim_time is not None \
        else _request_time(state, named_company)
    # The required fields by position: msgspec matches 20 keywords several times slower.
    entry = JournalEntry(
        journal.next_seq(), time.time(), sim_time, path, scope["method"], ip,  # seq...ip
        notes.operation, notes.company, notes.username, fields, answer.status,
        answer.first_line, (time.perf_counter() - started) * 1000,  # ...duration_ms
        outcome=answer.outcome, fault=notes.fault, fault_effect=notes.fault_effect,
        named_company=named_company, records=records_in(answer, path),
        unread_body=unread_body(content_type, body, post), answer=answer.kept_text,
    )
    journal.add(entry, fields_cost)
    state.observe_request(entry)
    return gate.respond(to_response(answer), entry, started)


def replaced(replacement: Replacement) -> Answer:
    headers = {"content-type": replacement.content_type} if replacement.content_type else {}
    return Answer(replacement.body, status=replacement.status, outcome=replacement.outcome,
                  headers=headers)


def records_in(answer: Answer, path: str) -> int:
    """A list answer ends every record with a newline; a one-line answer has none. (Error
    pages and the debug URL's dump are many lines, not records.)"""
    body = answer.body
    if answer.status != 200 or path == "/httpsfax-debug.php" or not isinstance(body, str):
        return 1
    return body.count("\n") if body.endswith("\n") else 1


def unread_body(content_type: str | None, body: bytes, post: PhpPost) -> str | None:
    """Why a non-empty body arrived as an empty POST (PHP reads forms only), if it did."""
    if not body or post.values:
        return None
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    shown = "JSON" if kind.endswith("json") or body.lstrip()[:1] in (b"{", b"[") else (
        kind or "a body with no Content-Type")
    return f"the body was {shown}, not a form: FAXAGE reads form fields only"


def _request_time(state: AppState, company: str | None) -> float | None:
    """The simulated time of a request no account answered: the named account's clock, or
    the first account's."""
    accounts = state.sim.accounts
    account = accounts.get(company) if company is not None else None
    if account is None and accounts:
        account = next(iter(accounts.values()))
    return account.now() if account is not None else None


def injected(ctx: OpContext, error: str) -> bool:
    """Does an injected protocol fault (`ERR13`, `ERR15`, `ERR21`, `ERR23`) hit this
    operation now? Recorded for the journal when it does."""
    return ctx.faults.at_operation(ctx.account.company, error)
