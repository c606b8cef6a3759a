"""`/provision.php` (and `/new_provision.php`): numbers from the rate-center inventory.

docs/protocol.md. Login first (`ERR02: login incorrect`), then the operation
(`ERR03: unknown operation` when missing or unknown, `unprovdid` included).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from ..core.numbering import is_ten_digits
from ..core.provisioning import deprovision, provision
from ..wire import catalog
from ..wire.forms import PhpPost
from ..wire.records import format_npanxx_record, records
from .base import Answer, Journaling, OpContext, OpHandler, call_op, serve_protocol, text
from .service_login import open_session

if TYPE_CHECKING:
    from ..server.state import AppState

AREA_CODE_DIGITS = 3
NPANXX_DIGITS = 6


def _digits_filter(post: PhpPost, name: str, length: int) -> tuple[bool, str | None]:
    """(given, value) for the `ac`/`npanxx` filters. Empty means not given; a value that is
    not `length` digits is given but matches nothing (value None) (decision)."""
    value = (post.get_str(name) or "").strip()
    if not value:
        return False, None
    if len(value) == length and value.isascii() and value.isdigit():
        return True, value
    return True, None


def listac(ctx: OpContext) -> Answer:
    return text(records(ctx.sim.inventory.area_codes()))


def listnpanxx(ctx: OpContext) -> Answer:
    given, area_code = _digits_filter(ctx.post, "ac", AREA_CODE_DIGITS)
    if given and area_code is None:
        return text("")
    centers = ctx.sim.inventory.npanxxs(area_code)
    return text(records(format_npanxx_record(c) for c in centers))


def listdids(ctx: OpContext) -> Answer:
    inventory = ctx.sim.inventory
    npanxx_given, npanxx = _digits_filter(ctx.post, "npanxx", NPANXX_DIGITS)
    if npanxx_given:  # npanxx is more specific, so it wins over ac (vendor text)
        return text(records(inventory.available_numbers(npanxx=npanxx) if npanxx else []))
    ac_given, area_code = _digits_filter(ctx.post, "ac", AREA_CODE_DIGITS)
    if ac_given and area_code is None:
        return text("")
    return text(records(inventory.available_numbers(area_code=area_code)))


def provdid(ctx: OpContext) -> Answer:
    didnumber = ctx.post.get_str("didnumber") or ""
    if not is_ten_digits(didnumber):
        return text(catalog.provision_err04_invalid(didnumber))
    if not provision(ctx.sim.inventory, ctx.account, ctx.user, didnumber):
        return text(catalog.provision_err05_unavailable(didnumber))
    return text(catalog.provisioned(didnumber))


def deprovdid(ctx: OpContext) -> Answer:
    didnumber = ctx.post.get_str("didnumber") or ""
    if not is_ten_digits(didnumber):
        return text(catalog.provision_err04_invalid(didnumber))
    if not deprovision(ctx.sim.inventory, ctx.account, didnumber):
        return text(catalog.provision_err05_not_yours(didnumber))
    return text(catalog.deprovisioned(didnumber))


OPERATIONS: dict[str, OpHandler] = {
    "listac": listac,
    "listnpanxx": listnpanxx,
    "listdids": listdids,
    "provdid": provdid,
    "deprovdid": deprovdid,
}


async def handle(state: AppState, post: PhpPost, ip: str, notes: Journaling) -> Answer:
    notes.operation = post.get_str("operation")
    session = open_session(state, post, ip, notes)
    if isinstance(session, Answer):
        return session
    handler = OPERATIONS.get(notes.operation or "")
    if handler is None:
        return text(catalog.LC_ERR03_UNKNOWN_OPERATION)
    return await call_op(handler, session)


async def endpoint(request: Request) -> Response:
    return await serve_protocol(request, handle)
