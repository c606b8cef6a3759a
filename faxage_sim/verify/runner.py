"""Running the cases: each request to the URL under test and to two reference emulators.

The references are this package's own emulator, in-process, with an account that has the
user's credentials (so dumps and texts that repeat them match): one empty, one holding jobs,
faxes, a busy call and a port request. A case's answer from the URL is the same when its shape
(`shape.py`) is the shape of either reference's answer: an account with nothing to list and
one with records are both fine, a different layout is not.
"""

from __future__ import annotations

import ipaddress
import re
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import httpx

from . import DEFAULT_TIMEOUT
from .cases import Case, selected
from .shape import Answer, Shape, shape

Verdict = Literal["same", "differs", "could not run", "skipped"]
LOCAL_HOSTS = ("localhost",)
DEFAULT_INTERVAL = 1.0  # real seconds between requests to a non-local URL
MAX_FAILURES_IN_A_ROW = 3
_JOBID = re.compile(r"JOBID:\s*(\d+)")
_TIME = "%Y-%m-%d %H:%M:%S"
REFERENCE_DID_2 = "3032974199"  # the populated reference's second number (for a busy call)


class CannotCheck(Exception):
    """The URL could not be checked at all (exit 3): one clear line says why."""


@dataclass
class Options:
    url: str
    username: str
    company: str
    password: str
    did: str | None = None
    faxno: str | None = None
    allow_send: bool = False
    interval: float | None = None  # None: DEFAULT_INTERVAL, 0 for a local URL
    timeout: float = DEFAULT_TIMEOUT
    ca_bundle: str | None = None

    def pause(self) -> float:
        if self.interval is not None:
            return self.interval
        return 0.0 if is_local(self.url) else DEFAULT_INTERVAL


def is_local(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host in LOCAL_HOSTS or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Result:
    case: Case
    request: dict[str, Any]
    verdict: Verdict
    detail: str = ""
    expected: list[Answer] = field(default_factory=list)
    got: Answer | None = None
    expected_shapes: list[Shape] = field(default_factory=list)
    got_shape: Shape | None = None


# --- the sides ---------------------------------------------------------------------------


class Side:
    """One place requests go: the URL under test or a reference; keeps its own job id."""

    def __init__(self, client: httpx.Client, values: dict[str, str], pause: float = 0.0):
        self.client = client
        self.values = values
        self.pause = pause
        self._last = 0.0

    def fill(self, form: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
        return [(name, value.format_map(self.values)) for name, value in form]

    def post(self, path: str, form: list[tuple[str, str]]) -> Answer:
        wait = self._last + self.pause - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            response = self.client.post(
                path, content=urlencode(form).encode(),
                headers={"content-type": "application/x-www-form-urlencoded"})
        finally:
            self._last = time.monotonic()
        return Answer(response.status_code, response.headers.get("content-type", ""),
                      response.content.decode("utf-8", "replace"))

    def capture_jobid(self, answer: Answer) -> None:
        found = _JOBID.search(answer.body)
        if found:
            self.values["jobid"] = found.group(1)


def transport_problem(exc: httpx.HTTPError, timeout: float) -> str:
    """One line for what went wrong on the way (no traceback)."""
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g} s (timed out)"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return (f"TLS error: certificate verify failed ({cause.verify_message}); give "
                    "the CA with --ca-bundle, or check the URL")
        if isinstance(cause, ssl.SSLError):
            return f"TLS error: {cause.reason or cause}"
        cause = cause.__cause__ or cause.__context__
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        if "refused" in text.lower():
            return "connection refused (is anything listening there?)"
        return f"cannot connect: {text}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the connection without a proper HTTP answer: {text}"
    return f"{type(exc).__name__}: {text}"


@contextmanager
def reference(options: Options, populated: bool, start: float) -> Iterator[Side]:
    """An in-process emulator whose one account has the user's credentials."""
    from ..core.clock import ClockMode
    from ..harness.embedded import EmbeddedSimulator
    from ..harness.inprocess import IN_PROCESS_URL
    from ..server.config import SimConfig

    config = SimConfig(clock=ClockMode.MANUAL, port=0, log_requests=False, start=start,
                       fetch=False)
    sim = EmbeddedSimulator(config).start()
    try:
        account: dict[str, Any] = {
            "company": options.company,
            "users": [{"username": options.username, "password": options.password}]}
        if options.did is not None:
            account["dids"] = [options.did, REFERENCE_DID_2] if populated else [options.did]
        status, body = sim.control.request(
            "POST", "/_sim/scenario", json={"scenario": {"accounts": [account]}})
        if status != 200:
            raise CannotCheck(f"the reference emulator refused the account: {body}")
        client = httpx.Client(transport=sim.transport, base_url=IN_PROCESS_URL)
        dids = sim.state.sim.accounts[options.company].dids
        side = Side(client, {**_common_values(options, start), "did": dids[0]})
        if populated:
            _populate(side, sim.control.request, options.company, dids)
        yield side
        client.close()
    finally:
        sim.stop()


def _common_values(options: Options, now: float) -> dict[str, str]:
    begin = datetime.fromtimestamp(now, UTC) - timedelta(hours=24)
    end = datetime.fromtimestamp(now, UTC) + timedelta(hours=1)
    return {"username": options.username, "company": options.company,
            "password": options.password, "faxno": options.faxno or "",
            "did": options.did or "", "jobid": "", "begin": begin.strftime(_TIME),
            "end": end.strftime(_TIME)}


Control = Callable[..., tuple[int, Any]]


def _populate(side: Side, control: Control, company: str, dids: list[str]) -> None:
    """Something of every kind to list: a sent job, a job on a line, two received faxes, a
    busy call, a port request (and the call records and audit entries they make)."""
    from .cases import HELLO_B64, LOGIN

    def api(operation: str, *fields: tuple[str, str]) -> None:
        side.post("/httpsfax.php", side.fill((*LOGIN, ("operation", operation), *fields)))

    def sim(path: str, body: dict[str, Any]) -> None:
        status, answer = control("POST", path, json=body)
        if status >= 300:
            raise CannotCheck(f"the reference emulator refused {path}: {answer}")

    def send(faxno: str) -> None:
        api("sendfax", ("recipname", "Alice"), ("faxno", faxno),
            ("faxfilenames[]", "hello.txt"), ("faxfiledata[]", HELLO_B64))

    send("3039911234")
    sim("/_sim/inbound", {"did": dids[0], "cid": "7209914321", "tsid": "ACME FAX",
                          "pages": 2, "company": company})
    sim("/_sim/inbound", {"did": dids[0], "cid": "", "pages": 1, "company": company})
    if len(dids) > 1:
        api("disabledid", ("didnumber", dids[1]))
        sim("/_sim/inbound", {"did": dids[1], "cid": "7209914321", "company": company})
    sim("/_sim/clock/advance", {"seconds": 3600, "company": company})
    if len(dids) > 1:
        api("enabledid", ("didnumber", dids[1]))
    send("3039910004")  # a magic number: transmits for 30 minutes
    sim("/_sim/clock/advance", {"seconds": 60, "company": company})
    sim(f"/_sim/accounts/{company}/ports", {"number": "3035550100", "due": "+7d"})


@contextmanager
def target(options: Options) -> Iterator[Side]:
    verify: bool | str = options.ca_bundle or True
    client = httpx.Client(base_url=options.url.rstrip("/"), timeout=options.timeout,
                          verify=verify, follow_redirects=False,
                          headers={"user-agent": "faxage-sim-verify"})
    try:
        yield Side(client, _common_values(options, time.time()), options.pause())
    finally:
        client.close()


# --- the run -----------------------------------------------------------------------------

Progress = Callable[[int, int, str], None]


def run(options: Options, progress: Progress | None = None) -> list[Result]:
    cases = selected(options.allow_send)
    start = time.time()
    with target(options) as remote, reference(options, False, start) as empty, \
            reference(options, True, start) as full:
        _preflight(remote, options)
        results: list[Result] = []
        failures = 0
        for index, case in enumerate(cases):
            if progress is not None:
                progress(index, len(cases), case.name)
            if failures >= MAX_FAILURES_IN_A_ROW:
                results.append(_result(case, remote, "could not run",
                                       "stopped after three transport failures in a row"))
                continue
            result = _run_case(case, remote, (empty, full), options)
            failures = failures + 1 if result.detail.startswith("transport: ") else 0
            results.append(result)
        if progress is not None:
            progress(len(cases), len(cases), "done")
    return results


def _preflight(remote: Side, options: Options) -> None:
    """Can the URL be checked at all: does it answer, like FAXAGE, and take the login?"""
    form = remote.fill((("username", "{username}"), ("company", "{company}"),
                        ("password", "{password}"), ("operation", "pendcount")))
    try:
        answer = remote.post("/httpsfax.php", form)
    except httpx.HTTPError as exc:
        raise CannotCheck(f"{options.url}: {transport_problem(exc, options.timeout)}") from None
    if answer.status != 200 or not answer.content_type.startswith("text/html"):
        raise CannotCheck(
            f"{options.url} does not answer like FAXAGE: HTTP {answer.status}, "
            f"content type {answer.content_type or '(none)'}, body {answer.body[:80]!r}")
    if answer.body.startswith("ERR02"):
        raise CannotCheck(f"{options.url} refused the login ({answer.body!r}): check "
                          "--username, --company and --password")
    if not re.fullmatch(r"\d+|ERR\d\d: [^\n]*", answer.body):
        raise CannotCheck(f"{options.url} does not answer like FAXAGE: pendcount gave "
                          f"{answer.body[:80]!r}")


def _result(case: Case, remote: Side, verdict: Verdict, detail: str) -> Result:
    return Result(case, {"path": case.path, "form": _masked(remote.fill(case.form))},
                  verdict, detail)


def _masked(form: list[tuple[str, str]]) -> list[list[str]]:
    return [[k, "********" if k == "password" else v] for k, v in form]


def _run_case(case: Case, remote: Side, references: tuple[Side, ...],
              options: Options) -> Result:
    if case.needs_did and options.did is None:
        return _result(case, remote, "skipped", "needs --did")
    if "{jobid}" in "".join(v for _, v in case.form) and not remote.values["jobid"]:
        return _result(case, remote, "could not run", "no job id from the send case")
    expected = []
    for side in references:
        answer = side.post(case.path, side.fill(case.form))
        if case.rules.jobid:
            side.capture_jobid(answer)
        expected.append((answer, shape(answer, case.rules, side.values["jobid"])))
    result = _result(case, remote, "same", "")
    try:
        got = remote.post(case.path, remote.fill(case.form))
    except httpx.HTTPError as exc:
        result.verdict = "could not run"
        result.detail = f"transport: {transport_problem(exc, options.timeout)}"
        result.expected = [a for a, _ in expected]
        return result
    if case.rules.jobid:
        remote.capture_jobid(got)
    got_shape = shape(got, case.rules, remote.values["jobid"])
    distinct: dict[Shape, Answer] = {}
    for answer, answer_shape in expected:
        distinct.setdefault(answer_shape, answer)
    if case.rules.may_be_empty:
        empty = expected[0][0]
        distinct.setdefault(Shape(empty.status, empty.content_type, ""),
                            Answer(empty.status, empty.content_type, ""))
    result.expected = list(distinct.values())
    result.expected_shapes = list(distinct)
    result.got, result.got_shape = got, got_shape
    if got_shape not in distinct:
        result.verdict = "differs"
        result.detail = _what_differs(got_shape, list(distinct))
    return result


def _what_differs(got: Shape, expected: list[Shape]) -> str:
    closest = expected[-1] if got.body and not got.body.startswith("ERR") else expected[0]
    parts = []
    if got.status != closest.status:
        parts.append(f"status {got.status}, expected {closest.status}")
    if got.content_type != closest.content_type:
        parts.append(f"content type {got.content_type!r}, expected {closest.content_type!r}")
    if got.body != closest.body:
        parts.append("body")
    return "; ".join(parts) or "body"
