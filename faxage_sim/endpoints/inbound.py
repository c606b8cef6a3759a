"""httpsfax.php operations on received faxes: listfax, getfax, delfax, handled, handlecount,
incomingcalls, busycalls. Every lookup goes through the caller's own account, so another
company's fax id is simply not found."""

from __future__ import annotations

import logging

from ..core.inbound import FaxQuery, ReceivedFax
from ..wire import catalog
from ..wire.forms import PhpPost, php_intval, posted_id
from ..wire.records import (
    ListfaxOptions,
    format_busy_record,
    format_listfax_record,
    parse_time,
    records,
)
from .base import Answer, OpContext, binary, text

log = logging.getLogger("faxage_sim")

def _fax_id(post: PhpPost, *names: str) -> int | None:
    for name in names:
        value = (post.get_str(name) or "").strip()
        if value:
            return posted_id(value)
    return None


def _find(ctx: OpContext, *names: str) -> ReceivedFax | None:
    recvid = _fax_id(ctx.post, *names)
    return None if recvid is None else ctx.account.inbox.get(recvid)


def listfax(ctx: OpContext) -> Answer:
    post, account, user = ctx.post, ctx.account, ctx.user
    tz = account.settings.tz
    begin_text = (post.get_str("begin") or "").strip()
    begin = parse_time(begin_text, tz) if begin_text else None
    idgt_text = (post.get_str("idgt") or "").strip()
    did = (post.get_str("didnumber") or "").strip()
    # useronly narrows a non-manager to the DIDs granted to him; a manager sees everything.
    restrict = post.flag("useronly") and not user.manager
    query = FaxQuery(
        recvid_above=php_intval(idgt_text) if idgt_text else None,
        received_from=begin,
        no_match=bool(begin_text) and begin is None,
        did=did or None,
        unhandled_only=post.flag("unhandled"),
        dids_allowed=frozenset(user.dids) if restrict else None,
        ascending=post.flag("idasc"),
    )
    faxes = account.inbox.select(query)
    if not faxes:
        return text(catalog.ERR11_NO_FAXES)
    options = ListfaxOptions(
        starttime=post.flag("starttime"), filename=post.flag("filename"),
        pagecount=post.flag("pagecount"), tsid=post.flag("showtsid"),
    )
    return text(records(format_listfax_record(f, tz, options) for f in faxes))


async def getfax(ctx: OpContext) -> Answer:
    """The fax's file; made (imaged page by page) in a document worker the first time."""
    fax = _find(ctx, "faxid")
    if fax is None:
        return text(catalog.ERR12_FAX_NOT_FOUND)
    if fax.unreadable:
        return text(catalog.ERR13_FILE_NOT_OPENED)
    from ..documents.received import received_file
    from ..documents.worker import run_off_loop

    try:
        data: bytes = await run_off_loop(received_file, fax, ctx.account.settings.tz)
    except Exception:
        log.exception("faxage-sim: the file of received fax %s could not be made", fax.recvid)
        return text(catalog.ERR13_FILE_NOT_OPENED)
    return binary(data, fax.filename)


def delfax(ctx: OpContext) -> Answer:
    recvid = _fax_id(ctx.post, "faxid")
    if recvid is None or not ctx.account.inbox.delete(recvid):
        return text(catalog.ERR14_FAX_NOT_FOUND)
    ctx.sim.emit("inbound.deleted", ctx.account.now(), ctx.account.company,
                 f"fax {recvid} deleted by {ctx.user.username}")
    return text(catalog.DELETED)


def handled(ctx: OpContext) -> Answer:
    """`recvid` (or `faxid`), `handled=1|0`; without `handled` the fax is marked handled."""
    fax = _find(ctx, "recvid", "faxid")
    if fax is None:
        return text(catalog.ERR_HANDLED_NOT_FOUND)
    mark = ctx.post.get_str("handled") is None or ctx.post.flag("handled")
    ctx.account.inbox.mark(fax, mark)
    return text(catalog.HANDLED if mark else catalog.UNHANDLED)


def handlecount(ctx: OpContext) -> Answer:
    inbox = ctx.account.inbox
    return text(catalog.count_pair(len(inbox), inbox.handled_count))


def incomingcalls(ctx: OpContext) -> Answer:
    return text(catalog.count_pair(ctx.account.inbox.in_progress,
                                   ctx.account.settings.inbound_lines))


def busycalls(ctx: OpContext) -> Answer:
    tz = ctx.account.settings.tz
    return text(records(format_busy_record(c, tz) for c in ctx.account.inbox.busy_calls))
