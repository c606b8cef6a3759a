"""`/httpsfax.php` (and `/httpsfax-debug.php`): login, then one operation.

Checks run in PROTOCOL.md's order: outage (ERR01) → credentials (ERR02) → dispatch (ERR08) →
the operation's own checks.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from ..wire import catalog
from ..wire.forms import PhpPost, print_r
from .base import (
    Answer,
    Journaling,
    OpContext,
    OpHandler,
    call_op,
    injected,
    serve_protocol,
    text,
)

if TYPE_CHECKING:
    from ..state import AppState

# Each operation's handler as "module.function" in this package, imported on first use so
# that start-up loads only what the first requests need (benchmarks/bench_server.py).
OPERATIONS: dict[str, str] = {
    "sendfax": "outbound.sendfax",
    "status": "outbound.status",
    "clear": "outbound.clear",
    "stopfax": "outbound.stopfax",
    "dlstatus": "documents.dlstatus",
    "dltrans": "documents.dltrans",
    "resend": "resend.resend",
    "pendcount": "reports.pendcount",
    "qstatus": "reports.qstatus",
    "auditlog": "reports.auditlog",
    "portstatus": "reports.portstatus",
    "listfax": "inbound.listfax",
    "getfax": "inbound.getfax",
    "delfax": "inbound.delfax",
    "handled": "inbound.handled",
    "handlecount": "inbound.handlecount",
    "incomingcalls": "inbound.incomingcalls",
    "busycalls": "inbound.busycalls",
    "disabledid": "lines.disabledid",
    "enabledid": "lines.enabledid",
    "portable": "lines.portable",
    "listlines": "lines.listlines",
}
_handlers: dict[str, OpHandler] = {}


def operation_handler(operation: str | None) -> OpHandler | None:
    """The handler of an httpsfax.php operation; None for an unknown one (ERR08)."""
    if operation is None:
        return None
    handler = _handlers.get(operation)
    if handler is None:
        target = OPERATIONS.get(operation)
        if target is None:
            return None
        module, _, name = target.partition(".")
        handler = getattr(importlib.import_module(f"{__package__}.{module}"), name)
        _handlers[operation] = handler
    return handler


async def handle(state: AppState, post: PhpPost, ip: str, notes: Journaling) -> Answer:
    notes.operation = post.get_str("operation")
    sim = state.sim
    auth = sim.authenticate(post.get_str("company"), post.get_str("username"),
                            post.get_str("password"))
    if auth is None:
        named = sim.accounts.get(post.get_str("company") or "")
        if named is not None:
            notes.sim_time = named.now()  # a failed login is dated too (auditlog)
        return text(catalog.ERR02_LOGIN)
    account, user = auth
    notes.company, notes.username = account.company, user.username
    sim.run_due(account.company)
    notes.sim_time = account.now()
    handler = operation_handler(notes.operation)
    if handler is None:
        return text(catalog.err08_with_dump(print_r(post)))
    ctx = OpContext(state, account, user, post, ip)
    answer = await call_op(handler, ctx)
    if notes.operation == "getfax" and answer.filename is not None \
            and injected(ctx, "ERR13"):
        # getfax only reads: an injected "file could not be opened" replaces the file.
        answer = text(catalog.ERR13_FILE_NOT_OPENED)
    # What the operation made due now (a stopped job's callback) runs without waiting.
    sim.run_due(account.company)
    return answer


async def handle_debug(state: AppState, post: PhpPost, ip: str, notes: Journaling) -> Answer:
    """The debug URL: the print_r dump of the POST, then the normal answer."""
    answer = await handle(state, post, ip, notes)
    dump = print_r(post)
    if isinstance(answer.body, bytes):
        # PHP has already sent text, so the attachment headers are lost: text/html it is.
        return Answer(dump.encode() + answer.body, outcome=answer.outcome)
    return Answer(dump + answer.body, outcome=answer.outcome)


async def endpoint(request: Request) -> Response:
    return await serve_protocol(request, handle)


async def debug_endpoint(request: Request) -> Response:
    return await serve_protocol(request, handle_debug)
