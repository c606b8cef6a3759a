"""Every response text the emulator puts on the wire (docs/protocol.md is generated from it).

Handlers never spell a wire string themselves: they name a message here. Texts marked
*decision* in docs/protocol.md are settled here once, so a correction is a one-line change.
The lower-case variants used by getcdr.php and provision.php live beside the httpsfax.php ones.
"""

from __future__ import annotations

from typing import Final

# --- httpsfax.php (and httpsfax-debug.php) -------------------------------------------------

ERR01_DATABASE: Final = "ERR01: Database connection failed"
ERR02_LOGIN: Final = "ERR02: Login incorrect"
ERR03_NO_FILES: Final = "ERR03: No files to fax"
ERR04_BAD_FAXNO: Final = "ERR04: Fax number appears to be invalid"
ERR05_BLOCKED: Final = "ERR05: Blocked number"  # decision: clients only test the prefix
ERR06_NO_JOBS: Final = "ERR06: No jobs to display or job id specified not found"
ERR08_UNKNOWN_OPERATION: Final = "ERR08: Unknown operation specified or bad POST"
ERR11_NO_FAXES: Final = "ERR11: No incoming faxes available"
ERR12_FAX_NOT_FOUND: Final = "ERR12: FAX ID not found or does not belong to you"
ERR13_FILE_NOT_OPENED: Final = "ERR13: File could not be opened"
ERR14_FAX_NOT_FOUND: Final = "ERR14: FAX ID not found or does not belong to you"
ERR15_INVALID_JOB: Final = "ERR15: Invalid Job ID"
ERR16_INVALID_DID: Final = "ERR16: invalid DID number"
ERR17_DID_NOT_FOUND: Final = "ERR17: DID not found or doesn't belong to you"
ERR18_NO_JOBID: Final = "ERR18: No jobid specified"
ERR19_JOB_NOT_FOUND: Final = "ERR19: JOB ID not found or does not belong to you"
ERR24_NOT_CONVERTED: Final = "ERR24: File is not yet converted"
ERR25_NO_FILE: Final = "ERR25: File does not exist"

DELETED: Final = "Deleted"
DISABLED: Final = "Disabled"
ENABLED: Final = "Enabled"
HANDLED: Final = "Handled"  # decision
UNHANDLED: Final = "Unhandled"  # decision
PORTABLE_YES: Final = "1"
PORTABLE_NO: Final = "0"
# portstatus `complete` column (decision: 1 / 0, as portable answers).
PORT_COMPLETE: Final = "1"
PORT_OPEN: Final = "0"
# listfax: the caller id when the caller withheld it (vendor text).
CID_UNAVAILABLE: Final = "Unavailable"
# handled on an unknown recvid: the "FAX ID not found" text getfax uses (decision).
ERR_HANDLED_NOT_FOUND: Final = ERR12_FAX_NOT_FOUND


def received_fax_filename(recvid: int, extension: str) -> str:
    """listfax `filename` and the getfax attachment name: `fax12345.pdf` / `fax12345.tif`."""
    return f"fax{recvid}.{extension}"


def count_pair(first: int, second: int) -> str:
    """handlecount `<total>~<handled>`, incomingcalls `<in progress>~<lines allocated>`."""
    return f"{first}~{second}"


def jobid_answer(jobid: int) -> str:
    """Successful sendfax/resend. One space after the colon (evidence: clients need it)."""
    return f"JOBID: {jobid}"


def err07_cannot_clear(jobid: str) -> str:
    return (
        f"ERR07: Job ID: {jobid} not found, does not belong to you or is pending "
        "and cannot be cleared yet"
    )


def cleared(jobid: int) -> str:
    return f"{jobid} cleared"  # decision: the lost interpolated id restored


def stopped(jobid: int) -> str:
    return f"{jobid} stopped"


def err20_not_in_queue(jobid: int) -> str:
    return f"ERR20: Job ID - {jobid} - is not In Queue"


def err21_not_on_fax_server(jobid: int) -> str:
    return f"ERR21: Job ID - {jobid} - not found on fax server"


def err22_in_transmission(jobid: int) -> str:
    return f"ERR22: Job ID - {jobid} - is in transmission"


def err23_failed_to_stop(jobid: int) -> str:
    return f"ERR23: Job ID - {jobid} - failed to stop"


def err08_with_dump(post_dump: str) -> str:
    """ERR08 followed by one space and the print_r dump of the POST (decision)."""
    return f"{ERR08_UNKNOWN_OPERATION} {post_dump}"


# --- dlstatus / dltrans attachments and the em_notify email (issue 3) ------------------


def sent_fax_filename(jobid: int, extension: str) -> str:
    """dlstatus attachment name, `job100001.tif` / `.pdf` (decision: nothing public shows it)."""
    return f"job{jobid}.{extension}"


def transmittal_filename(jobid: int) -> str:
    """dltrans attachment name (decision)."""
    return f"job{jobid}-transmittal.pdf"


def email_subject(jobid: int) -> str:
    """em_notify subject: the jobid alone, as docs/protocol.md gives it."""
    return str(jobid)


def failed_conversion_code(http_status: int) -> str:
    """longstatus of an async URL job whose URL answered an HTTP error (docs/protocol.md, 3)."""
    return f"{LONG_FAILED_CONVERSION} - Code {http_status}"


# --- getcdr.php and provision.php: lower-case texts ------------------------------------

LC_ERR01_DATABASE: Final = "ERR01: database connection failed"
LC_ERR02_LOGIN: Final = "ERR02: login incorrect"
LC_ERR03_UNKNOWN_OPERATION: Final = "ERR03: unknown operation"


def provision_err04_invalid(didnumber: str) -> str:
    return f"ERR04: Invalid DID number, {didnumber}"


def provision_err05_unavailable(didnumber: str) -> str:
    return f"ERR05: {didnumber} does not appear to be available"


def provision_err05_not_yours(didnumber: str) -> str:
    return f"ERR05: {didnumber} is invalid or does not belong to you"


def provisioned(didnumber: str) -> str:
    return f"{didnumber} provisioned"


def deprovisioned(didnumber: str) -> str:
    return f"{didnumber} deprovisioned"


# --- job long statuses (section 3) -----------------------------------------------------

LONG_WAITING_FOR_CONVERSION: Final = "Waiting for conversion"
LONG_IN_QUEUE: Final = "In Queue"
LONG_TRANSMITTING: Final = "Transmitting"
LONG_SUCCESS: Final = "Success"
LONG_BUSY: Final = "Busy signal detected; too many attempts to dial"
LONG_NO_ANSWER: Final = "No answer from remote; too many attempts to dial"
LONG_NO_CARRIER: Final = "No carrier detected"
LONG_FAILED_CONVERSION: Final = "Failed Conversion"
LONG_FAILED_CONVERSION_404: Final = "Failed Conversion - Code 404"
LONG_STOPPED: Final = "Stopped by user"

SHORT_PENDING: Final = "pending"
SHORT_SUCCESS: Final = "success"
SHORT_FAILURE: Final = "failure"

# Queue states shown after ` Tries: <n> Status: ` with extqueue=1 (decision).
QUEUE_CONVERTING: Final = "Converting"
QUEUE_WAITING_FOR_LINE: Final = "Waiting for line"
QUEUE_WAITING_FOR_RETRY: Final = "Waiting for retry"
QUEUE_DIALING: Final = "Dialing"
QUEUE_SENDING: Final = "Sending"


def extqueue_suffix(tries: int, queue_state: str) -> str:
    return f" Tries: {tries} Status: {queue_state}"


# --- transport-level texts ------------------------------------------------------------

TEXT_CONTENT_TYPE: Final = "text/html; charset=UTF-8"
BINARY_CONTENT_TYPE: Final = "application/octet-stream"
NOT_FOUND_BODY: Final = "Not Found"
ZERO_TIME: Final = "0000-00-00 00:00:00"
ZERO_DURATION: Final = "00:00:00"


# Emulator-only headers on every protocol answer (FAXAGE sends neither; the body bytes are
# unchanged). An answer a tenant's input shapes (the debug URL's dump, ERR08's print_r of the
# POST) is text/html from the emulator's own origin: in a browser it must stay inert, or a
# page elsewhere could post a <script> to it and have it run next to the control plane.
# `sandbox` (no allow-*): no script, no form, an opaque origin (its requests are cross-site);
# `default-src 'none'`: it loads nothing; `nosniff`: never read as another type.
PROTOCOL_SAFETY_HEADERS: Final = {
    "content-security-policy": "sandbox; default-src 'none'",
    "x-content-type-options": "nosniff",
}


def attachment_disposition(filename: str) -> str:
    return f'attachment; filename="{filename}"'


# --- front-end error pages (injected HTTP faults; not in docs/protocol.md) --------------------
# Decision: what sits in front of a PHP service sends these. nginx's built-in error page
# (ngx_http_special_response.c, `server_tokens off`, CRLF line ends, no MSIE padding for API
# clients) with its own reason phrases; a PHP fatal error with display_errors off is a 500
# with an empty body and PHP's default content type.

NGINX_CONTENT_TYPE: Final = "text/html"
NGINX_REASONS: Final = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}
PHP_FATAL_ERROR_BODY: Final = ""


def nginx_error_page(status: int) -> str:
    title = f"{status} {NGINX_REASONS[status]}"
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")

# Emulator-only: a bug in faxage-sim itself hit the request (the console has the traceback;
# the wire never does).
INTERNAL_ERROR: Final = ("faxage-sim internal error: the emulator failed on this request; "
                         "the console has the details.\n")
