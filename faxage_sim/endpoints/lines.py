"""httpsfax.php operations on the account's numbers: disabledid, enabledid, portable,
listlines."""

from __future__ import annotations

from ..core.numbering import is_ten_digits
from ..wire import catalog
from ..wire.records import records
from .base import Answer, OpContext, text


def _didnumber(ctx: OpContext) -> str | None:
    value = ctx.post.get_str("didnumber")
    return value if is_ten_digits(value) else None


def _own_did(ctx: OpContext) -> str | Answer:
    """The posted DID if it is the account's, else the answer that says why not."""
    did = _didnumber(ctx)
    if did is None:
        return text(catalog.ERR16_INVALID_DID)
    if not ctx.account.owns_did(did):
        return text(catalog.ERR17_DID_NOT_FOUND)
    return did


def _set_enabled(ctx: OpContext, enabled: bool) -> Answer:
    did = _own_did(ctx)
    if isinstance(did, Answer):
        return did
    ctx.sim.set_did_enabled(ctx.account, did, enabled, ctx.account.now())
    return text(catalog.ENABLED if enabled else catalog.DISABLED)


def disabledid(ctx: OpContext) -> Answer:
    return _set_enabled(ctx, False)


def enabledid(ctx: OpContext) -> Answer:
    return _set_enabled(ctx, True)


def portable(ctx: OpContext) -> Answer:
    """`1` when the number's NPANXX is a rate center of the simulator's inventory."""
    did = _didnumber(ctx)
    if did is None:
        return text(catalog.ERR16_INVALID_DID)
    return text(catalog.PORTABLE_YES if ctx.sim.inventory.serves(did) else catalog.PORTABLE_NO)


def listlines(ctx: OpContext) -> Answer:
    """The account's DIDs, one 10-digit number per line, in the order they were assigned."""
    return text(records(ctx.account.dids))
