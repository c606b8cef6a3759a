"""What the core asks of whoever builds notification payloads (`notify.payloads`).

The core decides *when* a job callback, an inbound push or an em_notify email is made and
snapshots its content at that moment; the wire layout of that content (status fields, the
listfax values of a fax, the status record as an email body) belongs to the wire layer, so
the core calls out through this interface instead of importing the record layouts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from .incoming import ReceivedFax
    from .jobs import FaxJob


class Payloads(Protocol):
    def job_callback(self, job: FaxJob, tz: ZoneInfo) -> dict[str, str]:
        """The form fields a job's `url_notify` callback posts."""
        ...

    def inbound_push(self, fax: ReceivedFax, tz: ZoneInfo) -> dict[str, str]:
        """The form fields an inbound push posts."""
        ...

    def job_email_body(self, job: FaxJob, tz: ZoneInfo) -> str:
        """The body of a job's em_notify email."""
        ...


class NoPayloads:
    """A simulator nobody gave a payload builder: says so as soon as one is needed."""

    def _missing(self) -> RuntimeError:
        return RuntimeError("this Simulator has no payload builder: give it one "
                            "(faxage_sim.notify.payloads.WirePayloads()), as AppState does")

    def job_callback(self, job: FaxJob, tz: ZoneInfo) -> dict[str, str]:
        raise self._missing()

    def inbound_push(self, fax: ReceivedFax, tz: ZoneInfo) -> dict[str, str]:
        raise self._missing()

    def job_email_body(self, job: FaxJob, tz: ZoneInfo) -> str:
        raise self._missing()
