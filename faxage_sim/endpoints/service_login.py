"""Who is asking, on getcdr.php and provision.php.

Both URLs check credentials as httpsfax.php does, but answer in the lower-case texts of
docs/protocol.md sections 4 and 5. `open_session` is the one place where they do so: anything that
must be decided before the login (an injected database outage, `ERR01`) belongs at its top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..wire import catalog
from ..wire.forms import PhpPost
from .base import Answer, Journaling, OpContext, text

if TYPE_CHECKING:
    from ..server.state import AppState


def open_session(state: AppState, post: PhpPost, ip: str,
                 notes: Journaling) -> OpContext | Answer:
    """The authenticated request, or the answer that ends it (`ERR02: login incorrect`)."""
    sim = state.sim
    auth = sim.authenticate(post.get_str("company"), post.get_str("username"),
                            post.get_str("password"))
    if auth is None:
        return text(catalog.LC_ERR02_LOGIN)
    account, user = auth
    notes.company, notes.username = account.company, user.username
    # Calls that have ended by now must already be on record.
    sim.run_due(account.company)
    notes.sim_time = account.now()
    return OpContext(state, account, user, post, ip, notes.faults)
