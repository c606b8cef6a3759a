"""Injected faults: what can go wrong with a request, which requests it hits, and when.

A fault matches requests by URL path, posted operation, account (the posted `company`),
destination (the posted `faxno`), by the ordinal of the matching call (`nth`, `every`,
`after`) and by a probability drawn from the scenario's seed, so a run replays exactly. It is
active for a window of simulated time (`start`/`end`) and at most `hits` times.

Two kinds of effect:

* protocol faults answer like the real service in trouble, with HTTP 200: `ERR01` (database
  outage, checked before credentials, in the casing of the URL), `ERR13` on getfax, `ERR15` on
  sendfax, `ERR21`/`ERR23` on stopfax (these four after the operation's own checks pass);
* HTTP faults break the transport: a 500/502/503/504 status with the body a PHP/nginx front
  end sends, a latency (fixed or drawn from a distribution), a hang until the client gives
  up, a connection reset, a body cut short, or a body dripped out slowly.

Faults are tried in order; the first that fires applies and later ones do not count the
request. Each effect is one registered class (`EFFECTS`, at the end): its scenario fields
and schema, parsing, description and delivery. `endpoints/faulted.py` is the fault gate a
request passes (`serve_protocol` asks it, and only when a fault is in force).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import random
import socket
import struct
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Final, Protocol

from .core.matching import NumberMatch
from .core.timeref import TimeRef, parse_duration

if TYPE_CHECKING:
    from starlette.types import Receive, Send

    from .wire.forms import PhpPost

PROTOCOL_PATHS: Final = ("/httpsfax.php", "/httpsfax-debug.php", "/getcdr.php",
                         "/provision.php", "/new_provision.php")


class ProtocolError(StrEnum):
    ERR01 = "ERR01"
    ERR13 = "ERR13"
    ERR15 = "ERR15"
    ERR21 = "ERR21"
    ERR23 = "ERR23"


# The operation each operation-level error belongs to (ERR01 hits any request).
ERROR_OPERATIONS: Final = {
    ProtocolError.ERR13: "getfax",
    ProtocolError.ERR15: "sendfax",
    ProtocolError.ERR21: "stopfax",
    ProtocolError.ERR23: "stopfax",
}
HTTP_STATUSES: Final = (500, 502, 503, 504)
DISTRIBUTIONS: Final = ("fixed", "uniform", "normal", "lognormal", "exponential")
DEFAULT_LATENCY_CAP: Final = 120.0  # real seconds: no drawn latency is longer
DEFAULT_HANG_MAX: Final = 600.0  # real seconds before a hung request's connection is closed
UPPER_CASE_PATHS: Final = frozenset({"/httpsfax.php", "/httpsfax-debug.php"})
DEBUG_PATH: Final = "/httpsfax-debug.php"


@dataclass(frozen=True)
class Latency:
    """Real seconds before the answer starts: fixed, or drawn from a distribution."""

    distribution: str = "fixed"
    seconds: float = 0.0  # fixed
    low: float = 0.0  # uniform
    high: float = 0.0
    mean: float = 0.0  # normal, exponential
    stddev: float = 0.0  # normal
    median: float = 0.0  # lognormal
    sigma: float = 0.0  # lognormal: the spread of log(latency)
    cap: float = DEFAULT_LATENCY_CAP

    def draw(self, rng: random.Random) -> float:
        if self.distribution == "uniform":
            value = rng.uniform(self.low, self.high)
        elif self.distribution == "normal":
            value = rng.gauss(self.mean, self.stddev)
        elif self.distribution == "lognormal":
            value = self.median * math.exp(rng.gauss(0.0, self.sigma)) if self.median else 0.0
        elif self.distribution == "exponential":
            value = rng.expovariate(1.0 / self.mean) if self.mean > 0 else 0.0
        else:
            value = self.seconds
        return min(max(0.0, value), self.cap)

    def describe(self) -> str:
        if self.distribution == "fixed":
            return f"latency {self.seconds:g}s"
        params = {"uniform": f"{self.low:g}-{self.high:g}s",
                  "normal": f"mean {self.mean:g}s sd {self.stddev:g}s",
                  "lognormal": f"median {self.median:g}s sigma {self.sigma:g}",
                  "exponential": f"mean {self.mean:g}s"}[self.distribution]
        return f"latency {self.distribution} {params}"


@dataclass(frozen=True)
class Drip:
    """The body sent `chunk_bytes` at a time, `interval` real seconds apart."""

    chunk_bytes: int = 1
    interval: float = 0.1


@dataclass(frozen=True)
class FaultSpec:
    name: str = ""
    # --- which requests ---
    paths: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()
    destination: NumberMatch | None = None
    nth: int | None = None
    every: int | None = None
    after: int | None = None
    probability: float | None = None
    # --- when ---
    start: TimeRef | None = None
    end: TimeRef | None = None
    duration: float | None = None  # the window's length from `start` (instead of `end`)
    hits: int | None = None
    # --- what ---
    error: ProtocolError | None = None
    status: int | None = None
    server: str | None = None  # the 500 page: "php" (default) or "nginx"
    latency: Latency | None = None
    hang: bool = False
    hang_max: float | None = None  # None: until the client gives up (DEFAULT_HANG_MAX at most)
    reset: bool = False
    truncate: bool = False
    truncate_keep: int | None = None  # bytes kept; None: half the body
    drip: Drip | None = None
    # Does the request still reach the simulated service (a job is stored, say) although
    # the client sees the fault? None: the effect's default (see `reaches_service`).
    processed: bool | None = None

    @property
    def effect(self) -> Effect | None:
        """The registered effect this fault has (latency aside; `EFFECTS`)."""
        return next((e for e in EFFECTS if e.present(self)), None)

    @property
    def operation_level(self) -> bool:
        """ERR13/15/21/23: decided inside the operation, after its own checks."""
        effect = self.effect
        return effect is not None and effect.operation_level(self)

    @property
    def replaces_answer(self) -> bool:
        """The client gets no normal answer (an error page, ERR01, a hang or a reset)."""
        effect = self.effect
        return effect is not None and effect.replaces(self)

    @property
    def reaches_service(self) -> bool:
        effect = self.effect
        return effect is None or effect.reaches_service(self)

    @property
    def on_wire(self) -> bool:
        """Delivered by the transport (a hang, reset, truncation or drip)."""
        effect = self.effect
        return effect is not None and effect.on_wire

    def describe(self) -> str:
        effect = self.effect
        parts = [effect.describe(self)] if effect is not None else []
        if self.latency is not None:
            parts.append(self.latency.describe())
        if effect is not None and effect.replaces(self) and effect.takes_processed \
                and self.reaches_service:
            parts.append("request processed")
        return ", ".join(parts) or "no effect"


@dataclass(frozen=True)
class RequestFacts:
    """What a fault can match on, read from the POST before anything else happens."""

    path: str
    operation: str | None
    company: str | None
    destination: str | None
    now: float | None  # simulated time on the posted account's clock (None: no account)


@dataclass
class ActiveFault:
    id: int
    spec: FaultSpec
    start: float | None  # resolved window, simulated epoch seconds
    end: float | None
    owner: str | None  # set when loaded into one account: only its requests match
    source: str
    rng: random.Random = field(repr=False)
    seen: int = 0  # matching requests counted for nth/every/after
    fired: int = 0

    @property
    def label(self) -> str:
        return self.spec.name or f"fault {self.id}"

    @property
    def exhausted(self) -> bool:
        return self.spec.hits is not None and self.fired >= self.spec.hits

    def in_window(self, now: float | None) -> bool:
        if self.start is None and self.end is None:
            return True
        if now is None:
            return False
        return (self.start is None or now >= self.start) and (self.end is None or now < self.end)

    def matches(self, facts: RequestFacts) -> bool:
        spec = self.spec
        if self.owner is not None and facts.company != self.owner:
            return False
        if spec.paths and facts.path not in spec.paths:
            return False
        if spec.operations and facts.operation not in spec.operations:
            return False
        if spec.companies and facts.company not in spec.companies:
            return False
        if spec.destination is not None and not spec.destination.matches(facts.destination):
            return False
        return self.in_window(facts.now)

    def consider(self, facts: RequestFacts) -> Firing | None:
        """Count a request this fault could hit; the firing if it does."""
        if self.exhausted or not self.matches(facts):
            return None
        self.seen += 1
        n, spec = self.seen, self.spec
        if spec.nth is not None and n != spec.nth:
            return None
        if spec.every is not None and n % spec.every != 0:
            return None
        if spec.after is not None and n <= spec.after:
            return None
        if spec.probability is not None and self.rng.random() >= spec.probability:
            return None
        self.fired += 1
        latency = spec.latency.draw(self.rng) if spec.latency is not None else 0.0
        return Firing(self, latency)

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.label, "effect": self.spec.describe(),
                "owner": self.owner, "source": self.source, "seen": self.seen,
                "fired": self.fired, "hits": self.spec.hits, "exhausted": self.exhausted,
                "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Firing:
    """A fault that fired on one request, with the latency drawn for it."""

    fault: ActiveFault
    latency: float = 0.0

    @property
    def spec(self) -> FaultSpec:
        return self.fault.spec

    @property
    def label(self) -> str:
        return self.fault.label

    def describe(self) -> str:
        text = self.spec.describe()
        if self.spec.latency is not None and self.spec.latency.distribution != "fixed":
            text += f" (drew {self.latency:.3f}s)"
        return text


def fault_rng(seed: int, ordinal: int, name: str) -> random.Random:
    """Each fault draws from its own stream, so adding a fault never changes another's."""
    return random.Random(f"faxage-sim fault {seed} {ordinal} {name}")


class FaultBook:
    """The faults in force, in order."""

    def __init__(self) -> None:
        self.faults: list[ActiveFault] = []
        self._ids = itertools.count(1)

    def add(self, spec: FaultSpec, *, seed: int, start: float, ordinal: int,
            owner: str | None = None, source: str = "") -> ActiveFault:
        """Install a fault; `start` is the simulated time its `start`/`end` offsets count from."""
        begin = spec.start.resolve(start) if spec.start is not None else None
        end = spec.end.resolve(start) if spec.end is not None else None
        if spec.duration is not None:
            end = (begin if begin is not None else start) + spec.duration
        fault = ActiveFault(next(self._ids), spec, begin, end, owner, source,
                            fault_rng(seed, ordinal, spec.name))
        self.faults.append(fault)
        return fault

    def remove(self, fault_id: int) -> bool:
        before = len(self.faults)
        self.faults = [f for f in self.faults if f.id != fault_id]
        return len(self.faults) < before

    def clear(self, owner: str | None = None, *, everything: bool = True) -> None:
        """Remove every fault, or (`everything=False`) only those loaded into `owner`."""
        if everything:
            self.faults.clear()
        else:
            self.faults = [f for f in self.faults if f.owner != owner]

    def prune(self, live: Iterable[str]) -> None:
        """Forget faults loaded into accounts that no longer exist."""
        alive = set(live)
        self.faults = [f for f in self.faults if f.owner is None or f.owner in alive]

    def front(self, facts: RequestFacts) -> Firing | None:
        """A fault that hits the request as it arrives: ERR01 or an HTTP fault."""
        return self._first(facts, lambda spec: not spec.operation_level)

    def at_operation(self, facts: RequestFacts, error: ProtocolError) -> Firing | None:
        """A fault of kind `error` that hits the operation once its own checks have passed."""
        return self._first(facts, lambda spec: spec.error is error)

    def _first(self, facts: RequestFacts, kind: Callable[[FaultSpec], bool]) -> Firing | None:
        for fault in self.faults:
            if kind(fault.spec):
                firing = fault.consider(facts)
                if firing is not None:
                    return firing
        return None

    def for_owner(self, owner: str | None) -> list[ActiveFault]:
        return [f for f in self.faults if owner is None or f.owner in (None, owner)]


# --- the effects ---------------------------------------------------------------------------
#
# One class per effect, registered in EFFECTS: its scenario fields and their JSON schema, how
# it is read from checked scenario data (into FaultSpec fields), what the journal says of
# it, and how it is delivered. The scenario schema, the "one effect per fault" rule, the
# `processed` rule and the response dispatch are all derived from the registry.

Schema = dict[str, Any]
Problem = Callable[..., None]


@dataclass(frozen=True)
class Replacement:
    """The answer a client gets instead of the real one."""

    body: str
    outcome: str
    status: int = 200
    content_type: str | None = None


class Wire(Protocol):
    """The response being sent, as an effect delivered on the wire sees it."""

    payload: bytes  # the answer's body
    status_code: int
    raw_headers: list[tuple[bytes, bytes]]
    extra: dict[str, Any]  # notes for the journal entry
    started: float  # perf_counter at the request's arrival

    async def pause(self, seconds: float) -> bool:
        """Wait `seconds` (real time); False when the server stopped meanwhile (cut)."""


class Effect:
    key: ClassVar[str]  # the scenario field that gives a fault this effect
    schema: ClassVar[Schema]  # the JSON schema of its scenario fields (key first)
    replaces_answer: ClassVar[bool] = False  # the client gets no normal answer
    takes_processed: ClassVar[bool] = False  # `processed` may say the request is served
    on_wire: ClassVar[bool] = False  # sent by the transport (`deliver`)

    def present(self, spec: FaultSpec) -> bool:
        value = getattr(spec, self.key)
        return value is not None and value is not False

    def parse(self, data: dict[str, Any], problem: Problem) -> dict[str, Any]:
        """The FaultSpec fields from checked scenario data (`problem` reports a mistake
        the schema cannot express)."""
        return {self.key: data.get(self.key)}

    def describe(self, spec: FaultSpec) -> str:
        raise NotImplementedError

    def replaces(self, spec: FaultSpec) -> bool:
        return self.replaces_answer

    def operation_level(self, spec: FaultSpec) -> bool:
        return False

    def reaches_service(self, spec: FaultSpec) -> bool:
        return not self.replaces(spec) or bool(spec.processed)

    def replacement(self, spec: FaultSpec, path: str, post: PhpPost) -> Replacement:
        return Replacement("", "no answer")  # a hang or reset: nothing is ever sent

    async def deliver(self, spec: FaultSpec, wire: Wire, receive: Receive,
                      send: Send) -> None:
        raise NotImplementedError


class ErrorEffect(Effect):
    key = "error"
    schema: ClassVar[Schema] = {
        "error": {"type": "string", "enum": [e.value for e in ProtocolError]}}

    def parse(self, data: dict[str, Any], problem: Problem) -> dict[str, Any]:
        return {"error": ProtocolError(data["error"]) if "error" in data else None}

    def describe(self, spec: FaultSpec) -> str:
        assert spec.error is not None
        return spec.error.value

    def replaces(self, spec: FaultSpec) -> bool:
        return spec.error is ProtocolError.ERR01

    def operation_level(self, spec: FaultSpec) -> bool:
        return spec.error is not ProtocolError.ERR01

    def reaches_service(self, spec: FaultSpec) -> bool:
        return spec.error is not ProtocolError.ERR01  # no database: nothing is stored

    def replacement(self, spec: FaultSpec, path: str, post: PhpPost) -> Replacement:
        """ERR01 in the casing of the URL; the debug URL dumps the POST first, as PHP does."""
        from .wire import catalog
        from .wire.forms import print_r

        text = catalog.ERR01_DATABASE if path in UPPER_CASE_PATHS \
            else catalog.LC_ERR01_DATABASE
        return Replacement(print_r(post) + text if path == DEBUG_PATH else text, "error 01")


class StatusEffect(Effect):
    key = "status"
    schema: ClassVar[Schema] = {"status": {"type": "integer", "enum": list(HTTP_STATUSES)},
              "server": {"type": "string", "enum": ["php", "nginx"],
                         "description": "Who sends the 500 page."}}
    replaces_answer = True
    takes_processed = True

    def parse(self, data: dict[str, Any], problem: Problem) -> dict[str, Any]:
        if "server" in data and data.get("status") != 500:
            problem('"server" chooses who sends a 500 page; use it with status: 500', "server")
        return {"status": data.get("status"), "server": data.get("server")}

    def describe(self, spec: FaultSpec) -> str:
        return f"HTTP {spec.status}"

    def replacement(self, spec: FaultSpec, path: str, post: PhpPost) -> Replacement:
        from .wire import catalog

        assert spec.status is not None
        if spec.status == 500 and spec.server != "nginx":
            return Replacement(catalog.PHP_FATAL_ERROR_BODY, "HTTP 500", 500,
                               catalog.TEXT_CONTENT_TYPE)
        return Replacement(catalog.nginx_error_page(spec.status), f"HTTP {spec.status}",
                           spec.status, catalog.NGINX_CONTENT_TYPE)


class HangEffect(Effect):
    key = "hang"
    schema: ClassVar[Schema] = {"hang": {
        "description": "Answer nothing until the client gives up (true), or at most this long.",
        "oneOf": [{"type": "boolean"}, {"$ref": "#/$defs/duration"}]}}
    replaces_answer = True
    takes_processed = True
    on_wire = True

    def parse(self, data: dict[str, Any], problem: Problem) -> dict[str, Any]:
        hang = data.get("hang")
        return {"hang": hang is not None and hang is not False,
                "hang_max": None if hang in (None, True, False) else parse_duration(hang)}

    def describe(self, spec: FaultSpec) -> str:
        return "hang until the client gives up"

    async def deliver(self, spec: FaultSpec, wire: Wire, receive: Receive,
                      send: Send) -> None:
        """Answer nothing until the client disconnects (or, at most, `hang_max`)."""
        given = spec.hang_max
        if given is None and transport_of(receive) is None:
            # In-process there is no connection for the client to give up on: it would
            # wait for DEFAULT_HANG_MAX. Say so at once; `hang: <duration>` waits that long.
            wire.extra["hang_ended"] = "in-process: no connection to hang"
            raise TimeoutError("faxage-sim fault: the request hangs (in-process, no client "
                               "timeout can end it; give the fault a duration: hang: 2s)")
        limit = given if given is not None else DEFAULT_HANG_MAX
        try:
            async with asyncio.timeout(limit):
                while (await receive())["type"] != "http.disconnect":
                    pass
            wire.extra["client_gave_up_after_s"] = round(time.perf_counter() - wire.started, 3)
        except TimeoutError:
            wire.extra["hang_ended"] = f"closed after {limit:g}s"
            await reset_connection(receive)


class ResetEffect(Effect):
    key = "reset"
    schema: ClassVar[Schema] = {
        "reset": {"type": "boolean", "description": "Reset the connection."}}
    replaces_answer = True
    takes_processed = True
    on_wire = True

    def parse(self, data: dict[str, Any], problem: Problem) -> dict[str, Any]:
        return {"reset": bool(data.get("reset"))}

    def describe(self, spec: FaultSpec) -> str:
        return "connection reset"

    async def deliver(self, spec: FaultSpec, wire: Wire, receive: Receive,
                      send: Send) -> None:
        await reset_connection(receive)


class TruncateEffect(Effect):
    key = "truncate"
    schema: ClassVar[Schema] = {"truncate": {
        "description": "Cut the body short: true (half) or bytes kept.",
        "oneOf": [{"type": "boolean"}, {"type": "integer", "minimum": 0}]}}
    on_wire = True

    def parse(self, data: dict[str, Any], problem: Problem) -> dict[str, Any]:
        truncate = data.get("truncate")
        return {"truncate": truncate is not None and truncate is not False,
                "truncate_keep": truncate if isinstance(truncate, int)
                and truncate is not True else None}

    def describe(self, spec: FaultSpec) -> str:
        kept = "half" if spec.truncate_keep is None else f"{spec.truncate_keep} bytes"
        return f"body cut short ({kept} sent)"

    async def deliver(self, spec: FaultSpec, wire: Wire, receive: Receive,
                      send: Send) -> None:
        body = wire.payload
        keep = spec.truncate_keep
        kept = body[: len(body) // 2 if keep is None else min(keep, max(0, len(body) - 1))]
        wire.extra["body_bytes_sent"] = len(kept)
        wire.extra["body_bytes_declared"] = len(body)
        await send({"type": "http.response.start", "status": wire.status_code,
                    "headers": wire.raw_headers})
        transport = transport_of(receive)
        if transport is None:
            await send({"type": "http.response.body", "body": kept, "more_body": False})
            return
        await send({"type": "http.response.body", "body": kept, "more_body": True})
        transport.close()  # flushes what was written, then closes: the rest never comes
        await let_server_notice()


class DripEffect(Effect):
    key = "drip"
    schema: ClassVar[Schema] = {"drip": {"description": "Send the body slowly.", "oneOf": [
        {"type": "boolean"},
        {"type": "object", "description": "Bytes per chunk, time between.",
         "properties": {"chunk_bytes": {"type": "integer", "minimum": 1},
                        "interval": {"$ref": "#/$defs/duration"}},
         "additionalProperties": False}]}}
    on_wire = True

    def parse(self, data: dict[str, Any], problem: Problem) -> dict[str, Any]:
        value = data.get("drip")
        if value is None or value is False:
            return {"drip": None}
        if value is True:
            return {"drip": Drip()}
        return {"drip": Drip(chunk_bytes=value.get("chunk_bytes", Drip.chunk_bytes),
                             interval=parse_duration(value.get("interval", Drip.interval)))}

    def describe(self, spec: FaultSpec) -> str:
        assert spec.drip is not None
        return f"slow drip ({spec.drip.chunk_bytes} byte(s) every {spec.drip.interval:g}s)"

    async def deliver(self, spec: FaultSpec, wire: Wire, receive: Receive,
                      send: Send) -> None:
        assert spec.drip is not None
        chunk, interval = max(1, spec.drip.chunk_bytes), spec.drip.interval
        await send({"type": "http.response.start", "status": wire.status_code,
                    "headers": wire.raw_headers})
        body = wire.payload
        for offset in range(0, len(body), chunk):
            last = offset + chunk >= len(body)
            await send({"type": "http.response.body", "body": body[offset:offset + chunk],
                        "more_body": not last})
            if not last and not await wire.pause(interval):
                return
        if not body:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


# Exclusive: a fault has at most one of these (latency combines with any).
EFFECTS: Final[tuple[Effect, ...]] = (ErrorEffect(), StatusEffect(), HangEffect(),
                                      ResetEffect(), TruncateEffect(), DripEffect())


# --- the connection, for effects delivered on the wire -----------------------------------
#
# Reset and truncation need the connection itself. Under uvicorn (what `faxage-sim serve`
# and the pytest plugin run) it is reached through the server's `receive` callable;
# elsewhere (an in-process client) a reset raises `ConnectionResetError` into the caller and
# a truncated body simply ends early.

def transport_of(receive: Receive) -> asyncio.Transport | None:
    """The connection under uvicorn: its `receive` is a method of the request cycle."""
    cycle: Any = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    return transport if isinstance(transport, asyncio.Transport) else None


async def reset_connection(receive: Receive) -> None:
    transport = transport_of(receive)
    if transport is None:
        raise ConnectionResetError("faxage-sim fault: connection reset by peer")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            # Linger 0: close with a TCP RST rather than an orderly FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    await let_server_notice()


async def let_server_notice() -> None:
    # The server learns of the closed connection on a later loop turn; returning before it
    # does would make it log an incomplete response as an application error.
    for _ in range(3):
        await asyncio.sleep(0)
