"""Record layouts of docs/protocol.md: status records, callback fields, times and durations.

Pure functions of the domain objects; every tab and newline of a record is decided here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec

from ..core.cdr import CallRecord
from ..core.inbound import BusyCall, ReceivedFax
from ..core.inventory import RateCenter
from ..core.jobs import FaxJob, JobState
from ..core.numbering import format_display
from ..core.ports import PortRequest
from . import catalog

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def format_time(epoch: float | None, tz: ZoneInfo) -> str:
    """`YYYY-MM-DD HH:MM:SS` in the account's zone; all zeros for a time not yet known."""
    if epoch is None:
        return catalog.ZERO_TIME
    return _format_seconds(int(epoch), tz)


@functools.lru_cache(maxsize=4096)
def _format_seconds(epoch: int, tz: ZoneInfo) -> str:
    # Cached: a polled job shows the same times on every status answer, and the zone
    # arithmetic and strftime were a tenth of a status request.
    return datetime.fromtimestamp(epoch, tz).strftime(TIME_FORMAT)


def format_duration(seconds: float) -> str:
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


_TIME_INPUTS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def parse_time(text: str | None, tz: ZoneInfo) -> float | None:
    """A `begin`/`end` filter value in the account's zone; None when it is not a time."""
    if text is None:
        return None
    value = text.strip()
    for fmt in _TIME_INPUTS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=tz).timestamp()
        except ValueError:
            continue
    return None


def records(lines: Iterable[str]) -> str:
    """A list answer: every record ends with `\\n` (docs/protocol.md, Transport)."""
    return "".join(f"{line}\n" for line in lines)


def shortstatus(job: FaxJob) -> str:
    if job.state is JobState.SUCCESS:
        return catalog.SHORT_SUCCESS
    if job.state is JobState.FAILURE:
        return catalog.SHORT_FAILURE
    return catalog.SHORT_PENDING


def _clean(value: str) -> str:
    # A tab or newline inside a field would break the record layout for every client.
    return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def status_fields(job: FaxJob, tz: ZoneInfo) -> dict[str, str]:
    """The fields of a job's status, named as the url_notify callback posts them."""
    return {
        "jobid": str(job.jobid),
        "commid": str(job.commid),
        "destname": _clean(job.destname),
        "destnum": job.destnum,
        "shortstatus": shortstatus(job),
        "longstatus": job.longstatus,
        "sendtime": format_time(job.sendtime, tz),
        "completetime": format_time(job.completetime, tz),
        "xmittime": format_duration(job.xmittime) if not job.pending else catalog.ZERO_DURATION,
        "pagecount": str(job.pagecount),
        "xmitpages": str(job.xmitpages) if not job.pending else "0",
    }


class StatusOptions(msgspec.Struct, frozen=True):
    """The optional columns of a status record, in docs/protocol.md's order, and extqueue."""

    pagecount: bool = False
    csid: bool = False
    login: bool = False
    xmitpages: bool = False
    tries: bool = False
    extqueue: bool = False


def format_status_record(job: FaxJob, tz: ZoneInfo, options: StatusOptions) -> str:
    """One status record, without its newline."""
    fields = status_fields(job, tz)
    longstatus = fields["longstatus"]
    if options.extqueue and job.pending:
        longstatus += catalog.extqueue_suffix(job.tries, job.queue_state)
    columns = [
        fields["jobid"], fields["commid"], fields["destname"], fields["destnum"],
        fields["shortstatus"], longstatus, fields["sendtime"], fields["completetime"],
        fields["xmittime"],
    ]
    if options.pagecount:
        columns.append(fields["pagecount"])
    if options.csid:
        columns.append(_clean(job.csid) if not job.pending else "")
    if options.login:
        columns.append(job.username)
    if options.xmitpages:
        columns.append(fields["xmitpages"])
    if options.tries:
        columns.append(str(job.tries))
    return "\t".join(columns)


def format_cdr_record(record: CallRecord, tz: ZoneInfo, show_nuid: bool) -> str:
    """One getcdr.php record, without its newline: comma-separated, no header (section 4).

    `calldate,direction,src,dst,duration`, or with `nuidshow=1` the nuid first.
    """
    line = (f"{format_time(record.calldate, tz)},{record.direction.value},{record.src},"
            f"{record.dst},{record.duration}")
    return f"{record.nuid},{line}" if show_nuid else line


# --- inbound faxes: listfax, the inbound push, busycalls ------------------------------


def caller_id(cid: str) -> str:
    """CID as listfax shows it: `(XXX)XXX-XXXX`, or `Unavailable`."""
    return format_display(cid) if cid else catalog.CID_UNAVAILABLE


class ListfaxOptions(msgspec.Struct, frozen=True):
    """The optional columns of a listfax record (docs/protocol.md's order)."""

    starttime: bool = False
    filename: bool = False
    pagecount: bool = False
    tsid: bool = False


def format_listfax_record(fax: ReceivedFax, tz: ZoneInfo, options: ListfaxOptions) -> str:
    """`recvid, recvdate [, starttime], CID, DNIS [, filename] [, pagecount] [, tsid]`."""
    columns = [str(fax.recvid), format_time(fax.recvdate, tz)]
    if options.starttime:
        columns.append(format_time(fax.starttime, tz))
    columns.append(caller_id(fax.cid))
    columns.append(format_display(fax.did))
    if options.filename:
        columns.append(fax.filename)
    if options.pagecount:
        columns.append(str(fax.pagecount))
    if options.tsid:
        columns.append(_clean(fax.tsid))
    return "\t".join(columns)


def inbound_push_fields(fax: ReceivedFax, tz: ZoneInfo) -> dict[str, str]:
    """The inbound push: the listfax values of the fax (decision: same forms as listfax)."""
    return {
        "recvid": str(fax.recvid),
        "recvdate": format_time(fax.recvdate, tz),
        "starttime": format_time(fax.starttime, tz),
        "cid": caller_id(fax.cid),
        "dnis": format_display(fax.did),
        "pagecount": str(fax.pagecount),
        "tsid": _clean(fax.tsid),
    }


def format_busy_record(call: BusyCall, tz: ZoneInfo) -> str:
    """busycalls `number-called \\t number-calling \\t time`: numbers as 10 digits, the
    caller empty when unavailable (decision: the raw form call records use)."""
    return "\t".join([call.did, call.cid, format_time(call.at, tz)])


def format_npanxx_record(center: RateCenter) -> str:
    """listnpanxx: `npanxx \t rcname \t rcstate` (toll-free: `Toll-Free \t Toll-Free`)."""
    return "\t".join((center.npanxx, _clean(center.name), _clean(center.state)))


def format_qstatus_record(job: FaxJob, caller_number: str) -> str:
    """qstatus `jobid \\t callerID \\t destination \\t lineid \\t pagecount` of a job on a line
    (callerID: the 10-digit number the call shows; lineid: the account's line, from 1)."""
    return "\t".join([str(job.jobid), caller_number, job.destnum, str(job.line or 0),
                      str(job.pagecount)])


AUDIT_INTERFACE_API = "api"  # every request the emulator journals came through the API
_RAW_ERROR = re.compile(r"ERR(\d+):")


def format_audit_record(audit_id: int, timestamp: str, login: str, ipaddress: str,
                        operation: str, opstat: str, requestdetail: str,
                        responsedetail: str) -> str:
    """auditlog `audit-id \\t timestamp \\t login \\t ipaddress \\t interface \\t websessid \\t
    auditop \\t opstat \\t requestdetail \\t responsedetail`. websessid is empty (API calls
    have no web session: decision). No field ever holds a raw `ERRnn:` text (docs/protocol.md)."""
    columns = [str(audit_id), timestamp, login, ipaddress, AUDIT_INTERFACE_API, "", operation,
               opstat, requestdetail, responsedetail]
    return "\t".join(_RAW_ERROR.sub(r"ERR\1", _clean(c)) for c in columns)



def format_port_record(port: PortRequest, tz: ZoneInfo) -> str:
    """portstatus `number \\t requestdate \\t duedate \\t completedate \\t status \\t comment
    \\t complete`: dates as every other time (all zeros when not known), complete 1 or 0
    (decision: nothing public shows the values)."""
    return "\t".join([port.number, format_time(port.requestdate, tz),
                      format_time(port.duedate, tz), format_time(port.completedate, tz),
                      _clean(port.status), _clean(port.comment),
                      catalog.PORT_COMPLETE if port.complete else catalog.PORT_OPEN])
