"""The hand-kept half of docs/protocol.md: URLs, operations, fields, record fields, the
evidence behind each, and every decision with what would settle it.

The texts themselves are not here: an answer names a `catalog` entry (`T("ERR06_NO_JOBS")`,
`T("err07_cannot_clear", "<jobid>")`) and the generator (`faxage_sim.protocol_doc`) calls the
catalog for it, so the document cannot drift from what the emulator sends. Record examples
come from the record formatters the same way. Evidence is one of:

* `vendor`: the vendor's API document (revision of 2014-03-28);
* `client`: public client code parses or sends it that way;
* `decision`: nothing public settles it; this project chose (see DECISIONS).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Evidence = Literal["vendor", "client", "decision"]


@dataclass(frozen=True)
class T:
    """A catalog text: a constant's name, or a function's name and placeholder arguments."""

    name: str
    args: tuple[object, ...] = ()

    def __init__(self, name: str, *args: object) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "args", args)


Text = T | str  # a literal answer that is not a catalog text (e.g. "a list of records")


@dataclass(frozen=True)
class Outcome:
    when: str
    answer: Text
    evidence: Evidence = "vendor"


@dataclass(frozen=True)
class Operation:
    name: str
    does: str
    required: tuple[str, ...] = ()
    optional: tuple[tuple[str, str], ...] = ()  # (field, meaning)
    outcomes: tuple[Outcome, ...] = ()
    evidence: Evidence = "vendor"
    layout: str | None = None  # a LAYOUTS key


@dataclass(frozen=True)
class Url:
    path: str
    purpose: str
    evidence: Evidence
    credentials_error: T | None = None
    operations: tuple[Operation, ...] = ()


@dataclass(frozen=True)
class Layout:
    operation: str
    fields: tuple[str, ...]
    separator: str
    evidence: Evidence
    note: str = ""


@dataclass(frozen=True)
class Rule:
    topic: str
    rule: str
    evidence: Evidence


@dataclass(frozen=True)
class Decision:
    key: str
    topic: str
    decided: str
    settles: str  # what would settle it
    texts: tuple[T, ...] = field(default=())


CREDENTIALS = ("username", "company", "password", "operation")

TRANSPORT: tuple[Rule, ...] = (
    Rule("method", "POST, to one of the URLs below; the Host header does not matter (clients "
         "use both www.faxage.com and api.faxage.com).", "vendor"),
    Rule("status code", "Always 200, errors included: clients take any other status for a "
         "transport failure. Only an injected fault answers otherwise.", "client"),
    Rule("text answers", "Content type `{TEXT_CONTENT_TYPE}`, PHP's default; never JSON, XML "
         "or CSV (a Ruby client re-parses bodies by content type).", "client"),
    Rule("file answers", "getfax, dlstatus, dltrans: content type `{BINARY_CONTENT_TYPE}` and "
         "`Content-Disposition: attachment; filename=\"...\"` (a webhook client needs both).",
         "vendor"),
    Rule("browser safety", "Every answer of these URLs (404s and injected faults too) also "
         "carries {SAFETY_HEADERS}, which FAXAGE does not send (decision `browser-safety`).",
         "decision"),
    Rule("request bodies", "`application/x-www-form-urlencoded` with brackets raw "
         "(`faxfilenames[]=`) or percent-encoded (`faxfilenames%5B0%5D=`), and "
         "`multipart/form-data` with bracketed names: all three appear in real clients.",
         "client"),
    Rule("arrays", "As PHP reads them: `name[]` appends, `name[N]` places at index N (in "
         "index order), a repeated plain `name` keeps the last value. Names are "
         "case-sensitive.", "vendor"),
    Rule("unknown fields", "Ignored (`host`, `callerid`, `jobtz`, `informat`, `faxbox`... are "
         "sent by real clients).", "client"),
    Rule("base64", "Tolerant: `+` that arrived as a space is restored, line breaks and "
         "whitespace dropped, missing padding accepted. Data that still does not decode, or "
         "does not match its file extension, is accepted and fails later as a conversion "
         "failure.", "vendor"),
    Rule("line endings", "A one-line answer (`JOBID: 123`, `ERR02: Login incorrect`, "
         "`Deleted`, `0`) has no newline after it; a list answer ends every record with `\\n`.",
         "client"),
    Rule("times", "`YYYY-MM-DD HH:MM:SS` on the simulated clock, in the account's time zone; "
         "a time not known yet is `{ZERO_TIME}`, a duration `HH:MM:SS`.", "vendor"),
    Rule("check order", "Simulated outage (ERR01), then the credentials (ERR02), then the "
         "operation (ERR08 / provision's ERR03), then the operation's own checks in the "
         "order the vendor document lists its errors.", "vendor"),
)

_ERR08 = Outcome("unknown or missing operation", T("err08_with_dump", "<print_r dump>"),
                 "decision")
_ERR01 = Outcome("simulated database outage (before the login)", T("ERR01_DATABASE"))
_ERR02 = Outcome("bad username, company or password", T("ERR02_LOGIN"))

HTTPSFAX: tuple[Operation, ...] = (
    Operation(
        "sendfax", "fax documents (standard mode) or URLs (URL mode) to one number",
        ("recipname", "faxno", "faxfilenames[]", "faxfiledata[]"),
        (("faxurl / faxurls[]", "URL mode instead of files (+ faxurltypes[], async)"),
         ("tagname", "the header's From: name"),
         ("tagnumber", "the header's number (cut to 14 characters)"),
         ("em_notify", "1: email the final status to the user"),
         ("url_notify", "a URL the final status is POSTed to"),
         ("resolution", "1 fine, 2 hyperfine"), ("contrastalgo", "1 or 2"),
         ("priority", "high (default) or low"), ("callerid, jobtz", "newer; accepted")),
        (Outcome("no usable file (no pairs, counts differ, no supported extension; in URL "
                 "mode no absolute http(s) URL)", T("ERR03_NO_FILES")),
         Outcome("faxno not exactly 10 ASCII digits", T("ERR04_BAD_FAXNO")),
         Outcome("a blocked destination", T("ERR05_BLOCKED"), "decision"),
         Outcome("the job was not stored (injected fault)", T("ERR15_INVALID_JOB")),
         Outcome("success", T("jobid_answer", "<jobid>"), "client"))),
    Operation(
        "status", "the status records of sent jobs", (),
        (("jobid", "one job"), ("jobids[]", "several (also one comma-joined value)"),
         ("pagecount", "1: add the page count"), ("useronly", "1: only this user's jobs"),
         ("extqueue", "1: queue detail on pending jobs"), ("csid", "1: add the remote CSID"),
         ("showlogin", "1: add the sender's login"),
         ("xmitpages", "1: add the pages transmitted"), ("showtries", "1: add the tries"),
         ("begin, end", "only jobs sent in this window")),
        (Outcome("no job matches", T("ERR06_NO_JOBS")),
         Outcome("jobs", "the records, by jobid ascending", "client")),
        layout="status"),
    Operation(
        "dlstatus", "the sent fax as imaged: TIFF, or PDF with viewtype=pdf", ("jobid",),
        (("viewtype", "pdf for a PDF"),),
        (Outcome("unknown, or another company's", T("ERR06_NO_JOBS")),
         Outcome("still waiting for conversion", T("ERR24_NOT_CONVERTED")),
         Outcome("conversion failed", T("ERR25_NO_FILE")),
         Outcome("success: the file, as an attachment named",
                 T("sent_fax_filename", "<jobid>", "tif"), "decision"))),
    Operation(
        "dltrans", "the transmittal page (job summary) as a PDF", ("jobid",), (),
        (Outcome("unknown, or another company's", T("ERR06_NO_JOBS")),
         Outcome("still waiting for conversion", T("ERR24_NOT_CONVERTED")),
         Outcome("conversion failed", T("ERR25_NO_FILE")),
         Outcome("success: a one-page PDF, as an attachment named",
                 T("transmittal_filename", "<jobid>"), "decision"))),
    Operation(
        "clear", "remove a completed job's status record", ("jobid",), (),
        (Outcome("unknown, another company's, or pending", T("err07_cannot_clear", "<jobid>")),
         Outcome("success (the job no longer appears in status)", T("cleared", "<jobid>"),
                 "decision"))),
    Operation(
        "stopfax", "stop a job waiting for conversion or in queue", ("jobid",), (),
        (Outcome("jobid missing or not numeric", T("ERR18_NO_JOBID")),
         Outcome("unknown, or another company's", T("ERR19_JOB_NOT_FOUND")),
         Outcome("completed, or otherwise not queued", T("err20_not_in_queue", "<jobid>"),
                 "decision"),
         Outcome("not on the fax server (injected)", T("err21_not_on_fax_server", "<jobid>"),
                 "decision"),
         Outcome("transmitting", T("err22_in_transmission", "<jobid>"), "decision"),
         Outcome("the stop failed (injected)", T("err23_failed_to_stop", "<jobid>"),
                 "decision"),
         Outcome("success: the job fails as stopped, its callback fires",
                 T("stopped", "<jobid>"), "decision"))),
    Operation(
        "listfax", "the received faxes", (),
        (("useronly", "1: only the user's granted DIDs"), ("idasc", "1: recvid ascending"),
         ("starttime", "1: add the call's start time"), ("filename", "1: add the file name"),
         ("pagecount", "1: add the page count"), ("showtsid", "1: add the sender's TSID"),
         ("idgt", "only recvids above this"), ("begin", "only faxes received since"),
         ("didnumber", "only faxes to this DID"), ("unhandled", "1: only unhandled faxes")),
        (Outcome("none", T("ERR11_NO_FAXES")),
         Outcome("faxes", "the records; by DNIS then newest first, or recvid ascending",
                 "client")),
        layout="listfax"),
    Operation(
        "getfax", "a received fax: PDF (the default) or TIFF (account setting)", ("faxid",), (),
        (Outcome("unknown, or another company's", T("ERR12_FAX_NOT_FOUND")),
         Outcome("unreadable (injected)", T("ERR13_FILE_NOT_OPENED")),
         Outcome("success: the file, as an attachment named",
                 T("received_fax_filename", "<recvid>", "pdf"), "client"))),
    Operation(
        "delfax", "delete a received fax", ("faxid",), (),
        (Outcome("unknown, or another company's", T("ERR14_FAX_NOT_FOUND")),
         Outcome("success", T("DELETED")))),
    Operation(
        "disabledid", "busy out a DID: its callers get a fast busy, nothing is stored",
        ("didnumber",), (),
        (Outcome("not 10 digits, or missing", T("ERR16_INVALID_DID")),
         Outcome("not the account's", T("ERR17_DID_NOT_FOUND")),
         Outcome("success", T("DISABLED")))),
    Operation(
        "enabledid", "turn a disabled DID back on", ("didnumber",), (),
        (Outcome("not 10 digits, or missing", T("ERR16_INVALID_DID")),
         Outcome("not the account's", T("ERR17_DID_NOT_FOUND")),
         Outcome("success", T("ENABLED")))),
    Operation(
        "portable", "can the number's rate center be served", ("didnumber",), (),
        (Outcome("not 10 digits, or missing", T("ERR16_INVALID_DID")),
         Outcome("served", T("PORTABLE_YES")), Outcome("not served", T("PORTABLE_NO")))),
    Operation(
        "listlines", "the account's DIDs, one 10-digit number a line", (), (),
        (Outcome("success", "the numbers, each followed by `\\n`"),)),
    Operation(
        "handled", "mark a received fax handled or not", ("recvid", "handled"), (),
        (Outcome("unknown recvid", T("ERR_HANDLED_NOT_FOUND"), "decision"),
         Outcome("handled=1", T("HANDLED"), "decision"),
         Outcome("handled=0", T("UNHANDLED"), "decision")), evidence="client"),
    Operation(
        "resend", "a new job with an old job's documents", ("jobid",), (),
        (Outcome("unknown, cleared or another company's", T("ERR15_INVALID_JOB"), "decision"),
         Outcome("success", T("jobid_answer", "<new jobid>"), "client")), evidence="client"),
    Operation(
        "pendcount", "how many sent jobs are pending", (), (("useronly", "1: the user's"),),
        (Outcome("success", "the count, e.g. `3`", "client"),), evidence="client"),
    Operation(
        "handlecount", "received faxes: total and handled", (), (),
        (Outcome("success", T("count_pair", "<total>", "<handled>"), "client"),),
        evidence="client"),
    Operation(
        "incomingcalls", "inbound calls in progress and lines allocated", (), (),
        (Outcome("success", T("count_pair", "<in progress>", "<lines>"), "client"),),
        evidence="client"),
    Operation(
        "qstatus", "the jobs on a line now", (), (),
        (Outcome("none", "an empty body", "decision"),
         Outcome("jobs", "the records", "client")), evidence="client", layout="qstatus"),
    Operation(
        "busycalls", "calls that met a busy line (a disabled DID, all lines in use)", (), (),
        (Outcome("none", "an empty body", "decision"),
         Outcome("calls", "the records", "client")), evidence="client", layout="busycalls"),
    Operation(
        "auditlog", "the account's API calls", (), (("begin, end", "a window"),),
        (Outcome("none", "an empty body", "decision"),
         Outcome("calls", "the records, oldest first", "client")),
        evidence="client", layout="auditlog"),
    Operation(
        "portstatus", "the account's number port requests", (), (),
        (Outcome("none", "an empty body", "decision"),
         Outcome("requests", "the records, oldest request first", "client")),
        evidence="client", layout="portstatus"),
)

PROVISION: tuple[Operation, ...] = (
    Operation("listac", "area codes with numbers to provision, one a line", (), (),
              (Outcome("success", "the area codes, each followed by `\\n`"),)),
    Operation("listnpanxx", "exchanges of an area code", ("ac",), (),
              (Outcome("unknown area code", "an empty body"),
               Outcome("success", "the records")), layout="listnpanxx"),
    Operation("listdids", "numbers to provision, one a line", ("ac or npanxx",), (),
              (Outcome("success", "the numbers, each followed by `\\n` (npanxx wins)"),)),
    Operation("provdid", "add a number to the account", ("didnumber",), (),
              (Outcome("not 10 digits", T("provision_err04_invalid", "<didnumber>")),
               Outcome("not available", T("provision_err05_unavailable", "<didnumber>")),
               Outcome("success (the number joins listlines)",
                       T("provisioned", "<didnumber>"), "client"))),
    Operation("deprovdid", "give a number back", ("didnumber",), (),
              (Outcome("not 10 digits", T("provision_err04_invalid", "<didnumber>")),
               Outcome("not the account's", T("provision_err05_not_yours", "<didnumber>")),
               Outcome("success (back to the inventory)",
                       T("deprovisioned", "<didnumber>")))),
)

GETCDR = Operation(
    "(none)", "call detail records: every outbound dial attempt and inbound call", (),
    (("begin, end", "calldate window"), ("nuidgt", "records after this nuid"),
     ("nuidshow", "1: add the nuid first"), ("didnumber", "only inbound calls to it")),
    (Outcome("neither a window nor nuidgt", "an empty body"),
     Outcome("success", "the records, by calldate ascending, no header")), layout="getcdr")

URLS: tuple[Url, ...] = (
    Url("/httpsfax.php", "sending and receiving faxes, lines", "vendor", T("ERR02_LOGIN"),
        HTTPSFAX),
    Url("/httpsfax-debug.php", "as /httpsfax.php; the print_r dump of the POST comes first",
        "vendor", T("ERR02_LOGIN")),
    Url("/getcdr.php", "call detail records (lower-case errors)", "vendor",
        T("LC_ERR02_LOGIN"), (GETCDR,)),
    Url("/provision.php", "number provisioning (lower-case errors; unknown operation: "
        "ERR03)", "vendor", T("LC_ERR02_LOGIN"), PROVISION),
    Url("/new_provision.php", "the same as /provision.php (a 2010 client posts here)",
        "decision", T("LC_ERR02_LOGIN")),
)

LAYOUTS: dict[str, Layout] = {
    "status": Layout("status", (
        "jobid", "commid", "destname", "destnum", "shortstatus", "longstatus", "sendtime",
        "completetime", "xmittime", "[pagecount]", "[csid]", "[login]", "[xmitpages]",
        "[tries]"), "\t", "client",
        "Bracketed fields only when their flag is posted, in this order. While pending: "
        "completetime all zeros, xmittime `00:00:00`, xmitpages `0`. With extqueue=1 a "
        "pending job's longstatus gets ` Tries: <n> Status: <queue state>` (decision)."),
    "listfax": Layout("listfax", (
        "recvid", "recvdate", "[starttime]", "CID", "DNIS", "[filename]", "[pagecount]",
        "[tsid]"), "\t", "client",
        "CID and DNIS as `(XXX)XXX-XXXX`; CID `Unavailable` when withheld."),
    "qstatus": Layout("qstatus", ("jobid", "callerID", "destination", "lineid",
                                  "pagecount"), "\t", "client",
                      "callerID: the 10-digit number the call shows; lineid: the account's "
                      "line, from 1 (decision)."),
    "busycalls": Layout("busycalls", ("number-called", "number-calling", "time"), "\t",
                        "client", "Numbers as 10 digits; the caller empty when withheld "
                                  "(decision)."),
    "auditlog": Layout("auditlog", (
        "audit-id", "timestamp", "login", "ipaddress", "interface", "websessid", "auditop",
        "opstat", "requestdetail", "responsedetail"), "\t", "client",
        "interface `api`, websessid empty, opstat success/failure, requestdetail the posted "
        "fields (no credentials, at most 200 characters), responsedetail a summary that "
        "never repeats a raw `ERRnn:` text (decision)."),
    "portstatus": Layout("portstatus", (
        "number", "requestdate", "duedate", "completedate", "status", "comment",
        "complete"), "\t", "client",
        "Dates as every other time (all zeros when not known); complete `1` or `0` "
        "(decision)."),
    "getcdr": Layout("getcdr.php", ("[nuid]", "calldate", "direction", "src", "dst",
                                    "duration"), ",", "vendor",
                     "nuid only with nuidshow=1; direction IN or OUT; duration in whole "
                     "seconds."),
    "listnpanxx": Layout("listnpanxx", ("npanxx", "rcname", "rcstate"), "\t", "vendor",
                         "Toll-free rows `Toll-Free \\t Toll-Free`."),
}

CALLBACK_FIELDS = ("jobid", "commid", "destname", "destnum", "shortstatus", "longstatus",
                   "sendtime", "completetime", "xmittime", "pagecount", "xmitpages")
INBOUND_PUSH_FIELDS = ("recvid", "recvdate", "starttime", "cid", "dnis", "pagecount", "tsid")

DECISIONS: tuple[Decision, ...] = (
    Decision("err08-dump", "ERR08's body",
             "the text, one space, then PHP's print_r dump of the POST, password masked",
             "an unknown operation posted to the live service", (T("ERR08_UNKNOWN_OPERATION"),)),
    Decision("debug-dump", "the debug URL",
             "the print_r dump first, then the normal answer (as text, even for a file)",
             "a request to the live httpsfax-debug.php"),
    Decision("not-found-body", "an unknown path", "HTTP 404, body `Not Found`, text/html",
             "a POST to a path the live service does not have", (T("NOT_FOUND_BODY"),)),
    Decision("new-provision", "/new_provision.php", "an alias of /provision.php",
             "a bad login posted to the live /new_provision.php"),
    Decision("err05-text", "the blocked-number text and which numbers are blocked",
             "`ERR05: Blocked number` (the vendor's text was cut); 555, N11, non-geographic "
             "and non-continental codes. Which area codes are toll-free (dialable), "
             "non-geographic (premium 900, personal 5XX, 600, 622, 633) or of another NANP "
             "country is libphonenumber's classification; the contract blocks more than "
             "it: exchanges 555 and 976 and N11 exchanges (fixed lines for the library), "
             "Alaska 907 (US geographic for the library, outside FAXAGE's area), and 456, "
             "700, 710, 950, 958, 959, 976 as area codes (unassigned for the library). "
             "Area codes the library has unassigned otherwise are dialled",
             "a send to a blocked number (verify never does: "
             "if the number were not blocked, a fax would go out)", (T("ERR05_BLOCKED"),)),
    Decision("cleared-text", "clear's success", "`<jobid> cleared` (the vendor's text lost "
             "the id, as `provisioned` did)", "clearing a completed job: verify "
             "--allow-send", (T("cleared", "<jobid>"),)),
    Decision("stopped-text", "stopfax's success", "`<jobid> stopped`",
             "stopping a queued job: verify --allow-send", (T("stopped", "<jobid>"),)),
    Decision("err20-23-texts", "where the job id goes in ERR20-ERR23",
             "`Job ID - <jobid> - ...` (the vendor's text lost the id between the dashes)",
             "stopfax on a stopped job (ERR20): verify --allow-send; ERR21-23 need a live "
             "fault or a transmitting job", (T("err20_not_in_queue", "<jobid>"),)),
    Decision("extqueue", "status with extqueue=1",
             "a pending job's longstatus gets ` Tries: <n> Status: <queue state>`",
             "status with extqueue=1 while a job is pending",
             (T("extqueue_suffix", "<n>", "<queue state>"),)),
    Decision("empty-lists", "an empty list from the newer operations",
             "an empty body (qstatus, busycalls, auditlog, portstatus), as getcdr and "
             "listnpanxx do", "those operations on an account with nothing to list"),
    Decision("qstatus-layout", "qstatus values", "callerID the 10-digit number the call "
             "shows, lineid the account's line from 1", "qstatus while a job transmits"),
    Decision("busycalls-layout", "busycalls values", "numbers as 10 digits, a withheld "
             "caller empty", "busycalls on an account with busy calls"),
    Decision("auditlog-layout", "auditlog values", "interface `api`, websessid empty, "
             "opstat success/failure, summaries instead of raw error texts",
             "auditlog on any account that made calls"),
    Decision("portstatus-layout", "portstatus values", "dates as `YYYY-MM-DD HH:MM:SS`, "
             "status texts `Pending`/`Complete` by default, complete `1`/`0`",
             "portstatus on an account with a port request",
             (T("PORT_COMPLETE"), T("PORT_OPEN"))),
    Decision("handled-texts", "handled's answers", "`Handled` / `Unhandled`; an unknown "
             "recvid the getfax text", "marking a fax handled (verify never does)",
             (T("HANDLED"), T("UNHANDLED"), T("ERR_HANDLED_NOT_FOUND"))),
    Decision("resend-unknown", "resend of an unknown job", "`ERR15: Invalid Job ID`",
             "a resend of another company's job id (verify never resends)",
             (T("ERR15_INVALID_JOB"),)),
    Decision("attachment-names", "dlstatus/dltrans file names",
             "`job<jobid>.tif` / `.pdf`, `job<jobid>-transmittal.pdf`",
             "dlstatus of a sent job (verify never downloads a sent fax)",
             (T("sent_fax_filename", "<jobid>", "tif"), T("transmittal_filename", "<jobid>"))),
    Decision("email-subject", "the em_notify email", "subject the job id alone (the wire "
             "contract; the vendor says \"the JOBID\"), body the status record",
             "an em_notify email from the live service", (T("email_subject", "<jobid>"),)),
    Decision("portable-err16", "portable with a malformed or missing number",
             "the DID operations' text", "portable without didnumber on the live service",
             (T("ERR16_INVALID_DID"),)),
    Decision("handled-fields", "handled's fields", "`handled` missing marks handled; "
             "`faxid` is taken for `recvid`", "a handled call without `handled` (verify "
             "never marks handled)"),
    Decision("begin-inclusive", "listfax `begin`, status and auditlog `begin`/`end`",
             "inclusive bounds", "a fax received exactly at `begin` (values are not "
             "compared by verify)"),
    Decision("dropped-documents", "unsupported files and URLs in sendfax",
             "dropped one by one; none left is ERR03", "a sendfax mixing a supported and an "
             "unsupported file (verify never sends one)"),
    Decision("inbound-push", "the inbound push fields", "the listfax forms of the values",
             "a push from the live service"),
    Decision("browser-safety", "headers FAXAGE does not send",
             "two, on every answer: a CSP `sandbox` (and `default-src 'none'`) and "
             "`nosniff`, the bodies unchanged. ERR08's dump and the debug URL echo the POST "
             "as text/html from the emulator's own origin, next to its control plane: a page "
             "elsewhere could post a `<script>` there and have it run. Sandboxed, such an "
             "answer runs no script, submits no form, loads nothing, and its origin is opaque, "
             "so its requests are cross-site and the control plane refuses them. Clients "
             "ignore both headers; `faxage-sim verify` compares status, content type and "
             "body, not these", "nothing: an emulator-only choice (the live service sends "
             "neither; a client that required their absence would show it)"),
    Decision("rate-center-names", "listnpanxx rcname and rcstate",
             "the place libphonenumber gives the exchange, split at the comma (`Denver` and "
             "`CO` for 303-297, \"Denver, CO\"); every offered exchange is one it places in a "
             "city and calls a fixed line (the telephone industry's rate-center names, e.g. "
             "upper case or abbreviated, may differ)", "a listnpanxx on the live service"),
    Decision("fault-pages", "injected HTTP errors", "nginx's own error pages; a PHP fatal "
             "error is a 500 with an empty body", "an outage of the live service",
             (T("nginx_error_page", 502), T("PHP_FATAL_ERROR_BODY"))),
)
