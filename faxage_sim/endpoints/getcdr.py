"""`/getcdr.php`: the account's call detail records (docs/protocol.md).

Selection: `begin` and `end` (calldate range, inclusive, in the account's time zone) or
`nuidgt` (records numbered above it); neither gives an empty body. Both may be posted; then a
record must match both (decision). `nuidshow=1` puts the nuid first, with either selection
(decision). `didnumber` keeps only inbound calls to that DID.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from ..core.cdr import CdrQuery
from ..wire.forms import PhpPost, posted_id
from ..wire.records import format_cdr_record, parse_time, records
from .base import Answer, Journaling, OpContext, serve_protocol, text
from .service_login import open_session

if TYPE_CHECKING:
    from ..server.state import AppState


def _nuid_above(post: PhpPost) -> int | None:
    """`nuidgt` as a whole number (intval: past 2**63-1 it saturates); anything else selects
    nothing (decision)."""
    return posted_id(post.get_str("nuidgt"))


def query_of(ctx: OpContext) -> CdrQuery:
    post, tz = ctx.post, ctx.account.settings.tz
    begin = parse_time(post.get_str("begin"), tz)
    end = parse_time(post.get_str("end"), tz)
    didnumber = (post.get_str("didnumber") or "").strip()
    return CdrQuery(
        nuid_above=_nuid_above(post),
        begin=begin if end is not None else None,
        end=end if begin is not None else None,
        # Any non-empty value filters; a number not on the account simply matches nothing.
        inbound_to=didnumber or None,
    )


async def getcdr(ctx: OpContext) -> Answer:
    # The selection is the records as they were when the request came (taken at its first
    # step), whatever is written while it is formatted. It comes in steps of bounded cost
    # (an answer of a million records took 14.7 s to format, and sorting its selection
    # 0.7 s): the loop lets other requests in between two.
    tz = ctx.account.settings.tz
    show_nuid = ctx.post.flag("nuidshow")
    parts: list[str] = []
    for index, found in enumerate(ctx.sim.cdrs.select_steps(ctx.account.company,
                                                            query_of(ctx))):
        if index:
            await asyncio.sleep(0)  # let other requests in
        if found:
            parts.append(records(format_cdr_record(r, tz, show_nuid) for r in found))
    return text("".join(parts))


async def handle(state: AppState, post: PhpPost, ip: str, notes: Journaling) -> Answer:
    session = open_session(state, post, ip, notes)
    if isinstance(session, Answer):
        return session
    return await getcdr(session)


async def endpoint(request: Request) -> Response:
    return await serve_protocol(request, handle)
