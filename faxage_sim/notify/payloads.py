"""The payloads of the emulator's outgoing notifications, in their wire layouts.

Installed into the simulator by `AppState` (the core only knows the `core.payloads.Payloads`
interface): the url_notify callback's status fields, the inbound push's listfax values and
the em_notify email's body (the job's status record). The record layouts are imported on
first use, so start-up stays as lean as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from ..core.inbound import ReceivedFax
    from ..core.jobs import FaxJob


class WirePayloads:
    def job_callback(self, job: FaxJob, tz: ZoneInfo) -> dict[str, str]:
        from ..wire.records import status_fields

        return status_fields(job, tz)

    def inbound_push(self, fax: ReceivedFax, tz: ZoneInfo) -> dict[str, str]:
        from ..wire.records import inbound_push_fields

        return inbound_push_fields(fax, tz)

    def job_email_body(self, job: FaxJob, tz: ZoneInfo) -> str:
        from ..wire.records import StatusOptions, format_status_record, records

        return records([format_status_record(job, tz, StatusOptions())])
