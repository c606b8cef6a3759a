"""Number port requests an account holds: what `portstatus` lists.

The real service fills these from its porting desk; the emulator takes them from scenario
files (`accounts[].port_requests`) and the control plane (`/_sim/accounts/{company}/ports`).
"""

from __future__ import annotations

import msgspec

PENDING_STATUS = "Pending"  # decision: the status of an open request when none is given
COMPLETE_STATUS = "Complete"  # decision: ... and of a completed one


class PortRequest(msgspec.Struct):
    """One number being ported in; times are simulated epoch seconds (None: not known)."""

    number: str
    requestdate: float
    duedate: float | None = None
    completedate: float | None = None
    status: str = PENDING_STATUS
    comment: str = ""
    complete: bool = False


def port_request(number: str, requestdate: float, *, duedate: float | None = None,
                 completedate: float | None = None, status: str | None = None,
                 comment: str = "", complete: bool | None = None) -> PortRequest:
    """A port request with the defaults filled in: complete when it has a completion date
    (unless told), and a status that says so."""
    done = complete if complete is not None else completedate is not None
    return PortRequest(number, requestdate, duedate, completedate,
                       status or (COMPLETE_STATUS if done else PENDING_STATUS), comment, done)
