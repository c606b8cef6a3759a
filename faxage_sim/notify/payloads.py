"""The payloads of the emulator's outgoing notifications, in their wire layouts.

Installed into the simulator by `AppState` (the core only knows the `core.payloads.Payloads`
interface): the url_notify callback's status fields, the inbound push's listfax values and
the em_notify email's body (the job's status record).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..wire.records import (
    StatusOptions,
    format_status_record,
    inbound_push_fields,
    records,
    status_fields,
)

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from ..core.inbound import ReceivedFax
    from ..core.jobs import FaxJob


class WirePayloads:
    def job_callback(self, job: FaxJob, tz: ZoneInfo) -> dict[str, str]:
        return status_fields(job, tz)

    def inbound_push(self, fax: ReceivedFax, tz: ZoneInfo) -> dict[str, str]:
        return inbound_push_fields(fax, tz)

    def job_email_body(self, job: FaxJob, tz: ZoneInfo) -> str:
        return records([format_status_record(job, tz, StatusOptions())])
