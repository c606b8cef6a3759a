"""Running the cases: each request to the URL under test and to two reference emulators.

The references are this package's own emulator, in-process, with an account that has the
user's credentials (so dumps and texts that repeat them match): one empty, one holding jobs,
faxes, a busy call and a port request. A case's answer from the URL is the same when its shape
(`shape.py`) is the shape of either reference's answer: an account with nothing to list and
one with records are both fine, a different layout is not. A difference is named in a user's
words (`naming.py`).

The URL under test is a peer: verify reads at most `MAX_ANSWER_BYTES` of an answer and gives
each request `--timeout` seconds in all (a server that drips, or never ends, is one line).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol
from urllib.parse import urlencode, urlsplit

import httpx

from . import DEFAULT_TIMEOUT, MAX_ANSWER_BYTES
from .cases import Case, selected
from .naming import Difference, escaped, name_differences
from .shape import Answer, Shape, shape

Verdict = Literal["same", "differs", "could not run", "skipped"]
VERDICTS: tuple[Verdict, ...] = ("same", "differs", "could not run", "skipped")
LOCAL_HOSTS = ("localhost",)
DEFAULT_INTERVAL = 1.0  # real seconds between requests to a non-local URL
MAX_FAILURES_IN_A_ROW = 3
_JOBID = re.compile(r"JOBID:\s*(\d+)")
_TIME = "%Y-%m-%d %H:%M:%S"
REFERENCE_DID_2 = "3032974199"  # the populated reference's second number (for a busy call)
# A body FAXAGE could have sent: a count, a pair of counts, or an error text (any case).
_FAXAGE_LIKE = re.compile(r"\d+(~\d+)?|ERR\d\d: [^\n]*", re.IGNORECASE)


class CannotCheck(Exception):
    """The URL could not be checked at all (exit 3): one clear line says why."""


class TransportProblem(Exception):
    """No answer to compare: one line for what went wrong on the way (no traceback)."""


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
    differences: list[Difference] = field(default_factory=list)


# --- the sides ---------------------------------------------------------------------------


class Side:
    """One place requests go: a reference (in-process) or the URL under test; keeps its own
    job id."""

    def __init__(self, client: httpx.Client, values: dict[str, str], pause: float = 0.0):
        self.client = client
        self.values = values
        self.pause = pause
        self._last = 0.0

    def fill(self, form: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
        return [(name, value.format_map(self.values)) for name, value in form]

    def post(self, path: str, form: list[tuple[str, str]]) -> Answer:
        response = self.client.post(path, content=urlencode(form).encode(),
                                    headers={"content-type": FORM})
        return Answer(response.status_code, response.headers.get("content-type", ""),
                      response.content, tuple(response.headers.multi_items()))

    def answer(self, case: Case, form: list[tuple[str, str]]) -> Answer:
        return self.post(case.path, form)

    def capture_jobid(self, answer: Answer) -> None:
        found = _JOBID.search(answer.body)
        if found:
            self.values["jobid"] = found.group(1)


FORM = "application/x-www-form-urlencoded"


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class Watchdog:
    """The deadline of a Target's exchange: one thread for all of them (started on first
    use), which at an armed deadline shuts the socket in use, so a blocked read returns at
    once, however slowly the server drips."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._deadline: float | None = None
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self.expired = False

    def arm(self, seconds: float) -> None:
        with self._changed:
            self._deadline, self.expired = time.monotonic() + seconds, False
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, daemon=True,
                                                name="faxage-sim verify watchdog")
                self._thread.start()
            self._changed.notify()

    def disarm(self) -> None:
        with self._changed:
            self._deadline = None
            self._changed.notify()

    def connected(self, sock: socket.socket) -> None:
        """The socket the client now talks on (one connection at a time)."""
        with self._changed:
            self._socket = sock
            if self.expired:
                _shut(sock)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        with self._changed:
            while not self._closed:
                if self._deadline is None:
                    self._changed.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._changed.wait(left)
                    continue
                self._deadline, self.expired = None, True
                if self._socket is not None:
                    _shut(self._socket)


class Target(Side):
    """The URL under test: a peer. At most one request per `pause`; of each answer at most
    `cap` bytes are read, and the whole exchange gets `timeout` seconds: past it the
    watchdog shuts the socket, so a server that drips a byte a second cannot hold verify.
    The client must keep at most one connection (the watchdog shuts the one in use)."""

    def __init__(self, client: httpx.Client, values: dict[str, str], pause: float,
                 timeout: float, cap: int = MAX_ANSWER_BYTES):
        super().__init__(client, values, pause)
        self.timeout, self.cap = timeout, cap
        self.watchdog = Watchdog()

    def post(self, path: str, form: list[tuple[str, str]]) -> Answer:
        wait = self._last + self.pause - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            return self._exchange(path, urlencode(form).encode())
        finally:
            self._last = time.monotonic()

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                self.watchdog.connected(sock)

    def _exchange(self, path: str, content: bytes) -> Answer:
        answered = False  # the status line and headers came
        self.watchdog.arm(self.timeout)
        try:
            with self.client.stream("POST", path, content=content,
                                    headers={"content-type": FORM},
                                    extensions={"trace": self._trace}) as response:
                answered = True
                chunks: list[bytes] = []
                size, truncated = 0, False
                for chunk in response.iter_raw():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > self.cap:
                        truncated = True
                        break
                    if self.watchdog.expired:
                        raise TransportProblem(self._too_slow())
                body = b"".join(chunks)[:self.cap]
                return Answer(response.status_code, response.headers.get("content-type", ""),
                              body, tuple(response.headers.multi_items()), truncated)
        except httpx.HTTPError as exc:
            if self.watchdog.expired and answered:
                raise TransportProblem(self._too_slow()) from None
            if self.watchdog.expired:
                raise TransportProblem(f"no answer within {self.timeout:g} s (timed out)"
                                       ) from None
            raise TransportProblem(transport_problem(exc, self.timeout)) from None
        finally:
            self.watchdog.disarm()

    def close(self) -> None:
        self.watchdog.close()

    def _too_slow(self) -> str:
        return f"no complete answer within {self.timeout:g} s (the server kept it coming " \
               "too slowly)"


class Remote(Protocol):
    """Where a case's answer comes from: the URL under test, or a report's recording."""

    values: dict[str, str]

    def fill(self, form: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]: ...

    def answer(self, case: Case, form: list[tuple[str, str]]) -> Answer: ...

    def capture_jobid(self, answer: Answer) -> None: ...


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
def target(options: Options) -> Iterator[Target]:
    verify: bool | str = options.ca_bundle or True
    # One connection at a time: the watchdog shuts the one in use. The body as sent (no
    # compression asked for): what is read is what is compared, and capped.
    client = httpx.Client(base_url=options.url.rstrip("/"), timeout=options.timeout,
                          verify=verify, follow_redirects=False,
                          limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                          headers={"user-agent": "faxage-sim-verify",
                                   "accept-encoding": "identity"})
    remote = Target(client, _common_values(options, time.time()), options.pause(),
                    options.timeout)
    try:
        yield remote
    finally:
        remote.close()
        client.close()


# --- the run -----------------------------------------------------------------------------

Progress = Callable[[int, int, str], None]


def run(options: Options, progress: Progress | None = None) -> list[Result]:
    start = time.time()
    with target(options) as remote:
        _preflight(remote, options)
        return run_cases(selected(options.allow_send), remote, options, start, progress)


def run_cases(cases: list[Case], remote: Remote, options: Options, start: float,
              progress: Progress | None = None) -> list[Result]:
    """Every case against `remote` and both references, in order (the send cases share the
    job the first of them made on each side)."""
    with reference(options, False, start) as empty, reference(options, True, start) as full:
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


def speaks_faxage(answer: Answer) -> bool:
    """Could FAXAGE have sent this body (whatever the status, content type or whitespace
    around it)? A web page, a JSON document, a `Not Found` page could not."""
    return _FAXAGE_LIKE.fullmatch(answer.body.strip(" \t\r\n\ufeff")) is not None


def _preflight(remote: Target, options: Options) -> None:
    """Can the URL be checked at all: does it answer, take the login, and speak FAXAGE? Only
    then is there nothing to compare; any other answer runs every case."""
    def ask(password: str, operation: str) -> Answer:
        form = remote.fill((("username", "{username}"), ("company", "{company}"),
                            ("password", password), ("operation", operation)))
        try:
            return remote.post("/httpsfax.php", form)
        except TransportProblem as exc:
            raise CannotCheck(f"{options.url}: {exc}") from None

    answer = ask("{password}", "pendcount")
    if re.match(r"ERR02\b", answer.body.strip(), re.IGNORECASE):
        raise CannotCheck(f"{options.url} refused the login ({answer.body!r}): check "
                          "--username, --company and --password")
    if speaks_faxage(answer):
        return
    location = dict(answer.headers).get("location")
    if answer.status in (301, 302, 303, 307, 308) and location:
        raise CannotCheck(f"{options.url} redirects to {escaped(location, 200)[1:-1]}: "
                          "give that base URL with --url")
    wrong = ask("{password}-not", "pendcount")
    if speaks_faxage(wrong):
        return
    raise CannotCheck(f"{options.url} does not answer like FAXAGE: pendcount gave "
                      f"{_glimpse(answer)}; a wrong password gave {_glimpse(wrong)}")


def _glimpse(answer: Answer) -> str:
    return (f"HTTP {answer.status}, content type {answer.content_type or '(none)'}, "
            f"body {escaped(answer.body, 40)}")


def _result(case: Case, remote: Remote, verdict: Verdict, detail: str) -> Result:
    return Result(case, {"path": case.path, "form": _masked(remote.fill(case.form))},
                  verdict, detail)


def _masked(form: list[tuple[str, str]]) -> list[list[str]]:
    return [[k, "********" if k == "password" else v] for k, v in form]


def _run_case(case: Case, remote: Remote, references: tuple[Side, ...],
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
        got = remote.answer(case, remote.fill(case.form))
    except TransportProblem as exc:
        result.verdict = "could not run"
        result.detail = f"transport: {exc}"
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
                            Answer(empty.status, empty.content_type, b"", empty.headers))
    result.expected = list(distinct.values())
    result.expected_shapes = list(distinct)
    result.got, result.got_shape = got, got_shape
    if got_shape not in distinct:
        result.verdict = "differs"
        result.differences = name_differences(
            got, got_shape, [(a, s) for s, a in distinct.items()], case.rules,
            remote.values["jobid"])
        result.detail = "; ".join(d.what for d in result.differences)
    return result
