"""Number port requests an account holds: what `portstatus` lists.

The real service fills these from its porting desk; the emulator takes them from scenario
files (`accounts[].port_requests`) and the control plane (`/_sim/accounts/{company}/ports`).
"""

from __future__ import annotations

import re

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

    def stored_problem(self) -> tuple[str, str] | None:
        """What a saved request may not hold beyond its field types and the texts its scenario
        part bounds (those `persist.parts` checks for every part): (field, why), or None. As
        `POST /_sim/accounts/{company}/ports` makes one: a ten-digit number."""
        if not isinstance(self.number, str) or re.fullmatch("[0-9]{10}", self.number) is None:
            return "number", f"{str(self.number)[:40]!r} is not ten digits"
        return None


def port_request(number: str, requestdate: float, *, duedate: float | None = None,
                 completedate: float | None = None, status: str | None = None,
                 comment: str = "", complete: bool | None = None) -> PortRequest:
    """A port request with the defaults filled in: complete when it has a completion date
    (unless told), and a status that says so."""
    done = complete if complete is not None else completedate is not None
    return PortRequest(number, requestdate, duedate, completedate,
                       status or (COMPLETE_STATUS if done else PENDING_STATUS), comment, done)
