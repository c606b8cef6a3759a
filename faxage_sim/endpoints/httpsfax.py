"""`/httpsfax.php` (and `/httpsfax-debug.php`): login, then one operation.

Checks run in docs/protocol.md's order: outage (ERR01) → credentials (ERR02) → dispatch (ERR08) →
the operation's own checks.
"""

from __future__ import annotations

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
    from ..server.state import AppState

# The operations, as typed functions that import their module on first call, so that
# start-up loads only what the first requests need (benchmarks/bench_server.py) while mypy
# still checks every handler's signature against `OpHandler`. The first call puts the
# imported handler in OPERATIONS: later requests call it without the import statement.


async def _sendfax(ctx: OpContext) -> Answer:
    from .outbound import sendfax
    OPERATIONS["sendfax"] = sendfax
    return await sendfax(ctx)


def _status(ctx: OpContext) -> Answer:
    from .outbound import status
    OPERATIONS["status"] = status
    return status(ctx)


def _clear(ctx: OpContext) -> Answer:
    from .outbound import clear
    OPERATIONS["clear"] = clear
    return clear(ctx)


def _stopfax(ctx: OpContext) -> Answer:
    from .outbound import stopfax
    OPERATIONS["stopfax"] = stopfax
    return stopfax(ctx)


async def _dlstatus(ctx: OpContext) -> Answer:
    from .documents import dlstatus
    OPERATIONS["dlstatus"] = dlstatus
    return await dlstatus(ctx)


async def _dltrans(ctx: OpContext) -> Answer:
    from .documents import dltrans
    OPERATIONS["dltrans"] = dltrans
    return await dltrans(ctx)


def _resend(ctx: OpContext) -> Answer:
    from .resend import resend
    OPERATIONS["resend"] = resend
    return resend(ctx)


def _pendcount(ctx: OpContext) -> Answer:
    from .reports import pendcount
    OPERATIONS["pendcount"] = pendcount
    return pendcount(ctx)


def _qstatus(ctx: OpContext) -> Answer:
    from .reports import qstatus
    OPERATIONS["qstatus"] = qstatus
    return qstatus(ctx)


def _auditlog(ctx: OpContext) -> Answer:
    from .reports import auditlog
    OPERATIONS["auditlog"] = auditlog
    return auditlog(ctx)


def _listfax(ctx: OpContext) -> Answer:
    from .inbound import listfax
    OPERATIONS["listfax"] = listfax
    return listfax(ctx)


async def _getfax(ctx: OpContext) -> Answer:
    from .inbound import getfax
    OPERATIONS["getfax"] = getfax
    return await getfax(ctx)


def _delfax(ctx: OpContext) -> Answer:
    from .inbound import delfax
    OPERATIONS["delfax"] = delfax
    return delfax(ctx)


def _handled(ctx: OpContext) -> Answer:
    from .inbound import handled
    OPERATIONS["handled"] = handled
    return handled(ctx)


def _portstatus(ctx: OpContext) -> Answer:
    from .reports import portstatus
    OPERATIONS["portstatus"] = portstatus
    return portstatus(ctx)


def _handlecount(ctx: OpContext) -> Answer:
    from .inbound import handlecount
    OPERATIONS["handlecount"] = handlecount
    return handlecount(ctx)


def _incomingcalls(ctx: OpContext) -> Answer:
    from .inbound import incomingcalls
    OPERATIONS["incomingcalls"] = incomingcalls
    return incomingcalls(ctx)


def _busycalls(ctx: OpContext) -> Answer:
    from .inbound import busycalls
    OPERATIONS["busycalls"] = busycalls
    return busycalls(ctx)


def _disabledid(ctx: OpContext) -> Answer:
    from .lines import disabledid
    OPERATIONS["disabledid"] = disabledid
    return disabledid(ctx)


def _enabledid(ctx: OpContext) -> Answer:
    from .lines import enabledid
    OPERATIONS["enabledid"] = enabledid
    return enabledid(ctx)


def _portable(ctx: OpContext) -> Answer:
    from .lines import portable
    OPERATIONS["portable"] = portable
    return portable(ctx)


def _listlines(ctx: OpContext) -> Answer:
    from .lines import listlines
    OPERATIONS["listlines"] = listlines
    return listlines(ctx)


OPERATIONS: dict[str, OpHandler] = {
    "sendfax": _sendfax,
    "status": _status,
    "clear": _clear,
    "stopfax": _stopfax,
    "dlstatus": _dlstatus,
    "dltrans": _dltrans,
    "resend": _resend,
    "pendcount": _pendcount,
    "qstatus": _qstatus,
    "auditlog": _auditlog,
    "portstatus": _portstatus,
    "listfax": _listfax,
    "getfax": _getfax,
    "delfax": _delfax,
    "handled": _handled,
    "handlecount": _handlecount,
    "incomingcalls": _incomingcalls,
    "busycalls": _busycalls,
    "disabledid": _disabledid,
    "enabledid": _enabledid,
    "portable": _portable,
    "listlines": _listlines,
}


def operation_handler(operation: str | None) -> OpHandler | None:
    """The handler of an httpsfax.php operation; None for an unknown one (ERR08)."""
    return OPERATIONS.get(operation) if operation is not None else None


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
    ctx = OpContext(state, account, user, post, ip, notes.faults)
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
