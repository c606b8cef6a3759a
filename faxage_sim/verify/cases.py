"""The cases `faxage-sim verify` replays: requests from the golden transcripts, each with the
rules that make two answers comparable by shape.

A form value may name a placeholder, filled in per side: `{username}`, `{company}`,
`{password}` (the user's credentials), `{did}` (one of the account's numbers), `{faxno}` (the
user's own fax number, `--allow-send` only), `{jobid}` (the job the send case made, on that
side), `{begin}`/`{end}` (a short window around now).

Safe by default: a case is `read` (reads, or fails validation before anything is done) unless
it is `send` (sends a fax to `--faxno`, stops it, clears it: only with `--allow-send`).
Nothing here provisions, deletes, marks handled or disables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..wire import catalog

Form = tuple[tuple[str, str], ...]
Kind = Literal["read", "send"]

LOGIN: Form = (("username", "{username}"), ("company", "{company}"), ("password", "{password}"))
HELLO_B64 = "SGVsbG8sIGZheCEK"  # "Hello, fax!\n": the transcripts' document

# Field kinds of record layouts: what a value of a column may look like.
FIELD_KINDS: dict[str, str] = {
    "n": r"\d+",
    "time": r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d",
    "duration": r"\d\d:\d\d:\d\d",
    "phone": r"\d{10}",
    "phone?": r"(\d{10})?",
    "display": r"\(\d{3}\)\d{3}-\d{4}|Unavailable",
    "short": r"pending|success|failure",
    "text": r"[^\t\r\n]*",
    "ip": r"[0-9A-Fa-f:.]+",
    "flag": r"[01]",
    "direction": r"IN|OUT",
    "npa": r"\d{3}",
    "npanxx": r"\d{6}|Toll-Free",
    "filename": r"fax\d+\.(pdf|tif)",
}

STATUS = ("n", "n", "text", "phone", "short", "text", "time", "time", "duration")
LISTFAX = ("n", "time", "display", "display")
AUDIT = ("n", "time", "text", "ip", "text", "text", "text", "text", "text", "text")
QSTATUS = ("n", "phone?", "phone", "n", "n")
BUSY = ("phone", "phone?", "time")
PORT = ("phone", "time", "time", "time", "text", "text", "flag")
CDR = ("time", "direction", "text", "text", "n")


@dataclass(frozen=True)
class Rules:
    """How an answer is normalised before comparing. Status code, content type, and the
    body outside what these rules name are compared exactly."""

    records: tuple[str, ...] | None = None  # a list answer: the kinds of each record's fields
    separator: str = "\t"  # between the fields of a record
    counts: bool = False  # every run of digits is a count (`3`, `12~4`)
    jobid: bool = False  # the job id this run made is `<jobid>`
    may_be_empty: bool = False  # an empty body is fine too (the references always list some)

    def describe(self) -> str:
        parts = []
        if self.records is not None:
            sep = "tab" if self.separator == "\t" else repr(self.separator)
            parts.append(f"records of {len(self.records)} {sep}-separated fields "
                         f"({', '.join(self.records)}), any order, any number")
        if self.counts:
            parts.append("numbers are counts")
        if self.jobid:
            parts.append("the job id is <jobid>")
        if self.may_be_empty:
            parts.append("or an empty body")
        return "; ".join(parts) or "exact"


EXACT = Rules()


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    form: Form
    rules: Rules = EXACT
    kind: Kind = "read"
    transcript: str | None = None  # `status` for fixtures/transcripts/status.json ...
    step: str | None = None  # ... and the step there this case replays
    needs_did: bool = False
    decisions: tuple[str, ...] = field(default=())  # decision-table keys this case observes
    shows: str | None = None  # the wire detail it observes, when its name does not say it

    @property
    def observes(self) -> str:
        """The wire detail this case observes, in words (the coverage summary lists these)."""
        return f"{self.name}: {self.shows}" if self.shows else self.name

    @property
    def operation(self) -> str:
        return dict(self.form).get("operation", "(none)")


def api(operation: str | None, *fields: tuple[str, str]) -> Form:
    return (*LOGIN, *((("operation", operation),) if operation else ()), *fields)


def _login(password: str, *fields: tuple[str, str]) -> Form:
    return (("username", "{username}"), ("company", "{company}"), ("password", password),
            *fields)


SAMPLE_JOBID = 100001  # only to show a text with a job id in it

CASES: tuple[Case, ...] = (
    # --- transport and login -------------------------------------------------------------
    Case("bad login", "/httpsfax.php",
         _login("{password}-not", ("operation", "status")),
         transcript="transport", step="wrong password"),
    Case("unknown operation: ERR08 and the POST dump", "/httpsfax.php",
         api("frobnicate", ("jobids[]", "1"), ("jobids[]", "2")),
         transcript="transport",
         step="unknown operation: ERR08, one space, the POST dumped, password masked",
         decisions=("err08-dump",)),
    Case("missing operation", "/httpsfax.php", api(None),
         transcript="transport", step="missing operation", decisions=("err08-dump",)),
    Case("unknown path: 404", "/sendfax.php", api("status"),
         transcript="transport", step="unknown path", decisions=("not-found-body",)),
    Case("debug URL, a request that fails validation", "/httpsfax-debug.php",
         api("sendfax", ("faxno", "3039911234")), decisions=("debug-dump",)),
    # --- validation errors: nothing is sent ----------------------------------------------
    Case("sendfax without files: ERR03", "/httpsfax.php",
         api("sendfax", ("faxno", "3039911234")), transcript="sendfax",
         step="no files: ERR03"),
    Case("sendfax with a bad faxno: ERR04", "/httpsfax.php",
         api("sendfax", ("faxno", "303-991-1234"), ("faxfilenames[]", "a.txt"),
             ("faxfiledata[]", HELLO_B64)),
         transcript="sendfax", step="faxno not 10 digits: ERR04"),
    Case("status of an unknown job: ERR06", "/httpsfax.php", api("status", ("jobid", "1"))),
    Case("dlstatus of an unknown job: ERR06", "/httpsfax.php",
         api("dlstatus", ("jobid", "1")), transcript="documents", step="unknown job: ERR06"),
    Case("dltrans of an unknown job: ERR06", "/httpsfax.php",
         api("dltrans", ("jobid", "1"))),
    Case("clear an unknown job: ERR07", "/httpsfax.php", api("clear", ("jobid", "1"))),
    Case("stopfax without jobid: ERR18", "/httpsfax.php", api("stopfax"),
         transcript="stopfax", step="no jobid: ERR18"),
    Case("stopfax not numeric: ERR18", "/httpsfax.php", api("stopfax", ("jobid", "12x")),
         transcript="stopfax", step="not numeric: ERR18"),
    Case("stopfax an unknown job: ERR19", "/httpsfax.php", api("stopfax", ("jobid", "1"))),
    Case("getfax an unknown fax: ERR12", "/httpsfax.php", api("getfax", ("faxid", "1")),
         transcript="inbound", step="getfax unknown: ERR12"),
    Case("portable without didnumber: ERR16", "/httpsfax.php", api("portable"),
         decisions=("portable-err16",)),
    # --- read-only reports ---------------------------------------------------------------
    Case("status", "/httpsfax.php", api("status"), Rules(records=STATUS),
         transcript="status", step="all jobs, tab-separated, \\n after each"),
    Case("status with every optional column", "/httpsfax.php",
         api("status", ("pagecount", "1"), ("csid", "1"), ("showlogin", "1"),
             ("xmitpages", "1"), ("showtries", "1")),
         Rules(records=(*STATUS, "n", "text", "text", "n", "n"))),
    Case("status with extqueue", "/httpsfax.php", api("status", ("extqueue", "1")),
         Rules(records=STATUS), decisions=("extqueue",)),
    Case("listfax", "/httpsfax.php", api("listfax"), Rules(records=LISTFAX),
         transcript="inbound", step="default order: by DNIS, newest first"),
    Case("listfax with every optional column", "/httpsfax.php",
         api("listfax", ("idasc", "1"), ("starttime", "1"), ("filename", "1"),
             ("pagecount", "1"), ("showtsid", "1")),
         Rules(records=("n", "time", "time", "display", "display", "filename", "n", "text")),
         transcript="inbound", step="every optional column, recvid ascending"),
    Case("listlines", "/httpsfax.php", api("listlines"), Rules(records=("phone",)),
         transcript="lines", step="the account's numbers, one per line"),
    Case("portable", "/httpsfax.php", api("portable", ("didnumber", "{did}")),
         Rules(counts=True), needs_did=True,
         shows=f"its answer for one of your numbers ({catalog.PORTABLE_YES!r} or "
               f"{catalog.PORTABLE_NO!r})"),
    Case("pendcount", "/httpsfax.php", api("pendcount"), Rules(counts=True),
         transcript="reports", step="nothing pending: 0"),
    Case("qstatus", "/httpsfax.php", api("qstatus"), Rules(records=QSTATUS),
         transcript="reports", step="nothing transmitting: empty body",
         decisions=("empty-lists", "qstatus-layout")),
    Case("busycalls", "/httpsfax.php", api("busycalls"), Rules(records=BUSY),
         transcript="inbound", step="no busy calls: empty body",
         decisions=("empty-lists", "busycalls-layout")),
    Case("auditlog", "/httpsfax.php", api("auditlog", ("begin", "{begin}"), ("end", "{end}")),
         Rules(records=AUDIT, may_be_empty=True), decisions=("empty-lists", "auditlog-layout")),
    Case("handlecount", "/httpsfax.php", api("handlecount"), Rules(counts=True),
         transcript="inbound", step="handlecount: total~handled"),
    Case("incomingcalls", "/httpsfax.php", api("incomingcalls"), Rules(counts=True),
         transcript="inbound", step="incomingcalls: in progress~lines"),
    Case("portstatus", "/httpsfax.php", api("portstatus"), Rules(records=PORT),
         transcript="reports", step="no port requests: empty body",
         decisions=("empty-lists", "portstatus-layout")),
    # --- getcdr.php ----------------------------------------------------------------------
    Case("getcdr bad login: lower case", "/getcdr.php", _login("{password}-not"),
         transcript="getcdr", step="bad login: lower-case ERR02"),
    Case("getcdr without a selection: empty body", "/getcdr.php", api(None),
         transcript="getcdr", step="neither selection: empty body"),
    Case("getcdr over a short window", "/getcdr.php",
         api(None, ("begin", "{begin}"), ("end", "{end}")),
         Rules(records=CDR, separator=","), transcript="getcdr", step="begin and end"),
    # --- provision.php (read-only operations) --------------------------------------------
    Case("provision bad login: lower case", "/provision.php",
         _login("{password}-not", ("operation", "listac")),
         transcript="provision", step="bad login: lower-case ERR02"),
    Case("provision bad login at /new_provision.php", "/new_provision.php",
         _login("{password}-not", ("operation", "listac")), decisions=("new-provision",)),
    Case("provision without operation: ERR03", "/provision.php", api(None),
         transcript="provision", step="no operation: ERR03"),
    Case("provision unknown operation: ERR03", "/provision.php", api("unprovdid"),
         transcript="provision", step="an operation one client sends: ERR03"),
    Case("provision listac", "/provision.php", api("listac"), Rules(records=("npa",))),
    Case("provision listnpanxx", "/provision.php", api("listnpanxx", ("ac", "303")),
         Rules(records=("npanxx", "text", "text")), transcript="provision",
         step="listnpanxx for 303: npanxx, rate center, state"),
    # --- with --allow-send: one fax to the user's own number, stopped and cleared ----------
    Case("sendfax to your own number", "/httpsfax.php",
         api("sendfax", ("recipname", "Alice"), ("faxno", "{faxno}"),
             ("faxfilenames[]", "hello.txt"), ("faxfiledata[]", HELLO_B64)),
         Rules(jobid=True), kind="send", transcript="sendfax",
         step="success: JOBID, one space, no newline",
         shows=f"the success text {catalog.jobid_answer(SAMPLE_JOBID)!r} (one space after "
               "JOBID:, no newline)"),
    Case("status of that job", "/httpsfax.php", api("status", ("jobid", "{jobid}")),
         Rules(records=STATUS, jobid=True), kind="send",
         shows="the status record of a job waiting to be sent"),
    Case("stopfax that job", "/httpsfax.php", api("stopfax", ("jobid", "{jobid}")),
         Rules(jobid=True), kind="send", transcript="stopfax",
         step="waiting for conversion: stopped", decisions=("stopped-text",),
         shows=f"the success text {catalog.stopped(SAMPLE_JOBID)!r}"),
    Case("stopfax the stopped job: ERR20", "/httpsfax.php",
         api("stopfax", ("jobid", "{jobid}")),
         Rules(jobid=True), kind="send", transcript="stopfax", step="completed: ERR20",
         decisions=("err20-23-texts",),
         shows=f"where the job id goes: {catalog.err20_not_in_queue(SAMPLE_JOBID)!r}"),
    Case("clear that job", "/httpsfax.php", api("clear", ("jobid", "{jobid}")),
         Rules(jobid=True), kind="send", transcript="clear", step="completed: cleared",
         decisions=("cleared-text",),
         shows=f"the success text {catalog.cleared(SAMPLE_JOBID)!r}"),
    Case("status after clear: ERR06", "/httpsfax.php", api("status", ("jobid", "{jobid}")),
         kind="send", transcript="clear", step="a cleared job no longer appears",
         shows="a cleared job gone from status"),
)


def selected(allow_send: bool) -> list[Case]:
    return [c for c in CASES if c.kind == "read" or allow_send]
