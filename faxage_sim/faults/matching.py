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
request. What each effect does is its registered class in `effects.py` (its scenario
fields and schema, parsing, description and delivery on the wire). `endpoints/faulted.py` is
the fault gate a request passes (`serve_protocol` asks it, and only when a fault is in force).
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from .effects import EFFECTS, Effect
from .spec import FaultFields, ProtocolError


@dataclass(frozen=True, eq=False)
class FaultSpec(FaultFields):
    """A fault: its fields (`FaultFields`) and what its registered effect makes of them."""

    @property
    def effect(self) -> Effect | None:
        """The registered effect this fault has (latency aside; `effects.EFFECTS`)."""
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


class _FaultIndex:
    """Where to look for the faults a request could hit, so their number does not tax every
    request (10,000 faults in force made each request 35 times slower).

    Faults are listed by kind (hit on arrival, or the operation-level error they inject) and
    under each of three dimensions (account, operation, path): under the values they name,
    or among the faults that name none. A request's candidates are the faults of its kind
    under the dimension with the fewest, in book order; `ActiveFault.consider` still checks
    everything, so the index only ever leaves out faults that cannot match."""

    def __init__(self, faults: list[ActiveFault]) -> None:
        self.faults = faults
        # kind -> dimension -> value (None: names none) -> positions in `faults`, ascending
        self.lists: dict[object, tuple[dict[str | None, list[int]], ...]] = {}
        for position, fault in enumerate(faults):
            spec = fault.spec
            kind: object = spec.error if spec.operation_level else _FRONT
            dimensions = self.lists.setdefault(kind, ({}, {}, {}))
            for dimension, values in zip(dimensions, _named(fault), strict=True):
                for value in values:
                    dimension.setdefault(value, []).append(position)

    def candidates(self, kind: object, facts: RequestFacts) -> Iterable[ActiveFault]:
        dimensions = self.lists.get(kind)
        if dimensions is None:
            return ()
        best: tuple[list[int], list[int]] | None = None
        for dimension, value in zip(dimensions, (facts.company, facts.operation, facts.path),
                                    strict=True):
            named = dimension.get(value, []) if value is not None else []
            unnamed = dimension.get(None, [])
            if best is None or len(named) + len(unnamed) < len(best[0]) + len(best[1]):
                best = (named, unnamed)
        assert best is not None
        faults = self.faults
        return (faults[i] for i in heapq.merge(*best))


_FRONT = "front"  # the kind of the faults that hit a request as it arrives


def _named(fault: ActiveFault) -> tuple[tuple[str | None, ...], ...]:
    """The values a fault names per dimension (account, operation, path); (None,): any."""
    spec = fault.spec
    if fault.owner is not None:
        companies: tuple[str | None, ...] = (
            (fault.owner,) if not spec.companies or fault.owner in spec.companies else ())
    else:
        companies = tuple(dict.fromkeys(spec.companies)) or (None,)
    return (companies, tuple(dict.fromkeys(spec.operations)) or (None,),
            tuple(dict.fromkeys(spec.paths)) or (None,))


class FaultBook:
    """The faults in force, in order."""

    def __init__(self) -> None:
        self._faults: list[ActiveFault] = []
        self._ids = itertools.count(1)
        self._index: _FaultIndex | None = None
        self._indexed: tuple[int, int] = (0, -1)  # (version, length) the index was built for
        self._version = 0

    @property
    def faults(self) -> list[ActiveFault]:
        return self._faults

    @faults.setter
    def faults(self, faults: list[ActiveFault]) -> None:
        self._faults = faults
        self._version += 1

    def _current_index(self) -> _FaultIndex:
        # Faults are appended and lists replaced (here and when a state is restored); both
        # change (version, length), so the index is rebuilt on the next request.
        key = (self._version, len(self._faults))
        if self._index is None or self._indexed != key:
            self._index = _FaultIndex(self._faults)
            self._indexed = key
        return self._index

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
            self.faults = []
        else:
            self.faults = [f for f in self.faults if f.owner != owner]

    def prune(self, live: Iterable[str]) -> None:
        """Forget faults loaded into accounts that no longer exist."""
        alive = set(live)
        self.faults = [f for f in self.faults if f.owner is None or f.owner in alive]

    def front(self, facts: RequestFacts) -> Firing | None:
        """A fault that hits the request as it arrives: ERR01 or an HTTP fault."""
        return self._first(facts, _FRONT)

    def at_operation(self, facts: RequestFacts, error: ProtocolError) -> Firing | None:
        """A fault of kind `error` that hits the operation once its own checks have passed."""
        return self._first(facts, error)

    def _first(self, facts: RequestFacts, kind: object) -> Firing | None:
        for fault in self._current_index().candidates(kind, facts):
            firing = fault.consider(facts)
            if firing is not None:
                return firing
        return None

    def for_owner(self, owner: str | None) -> list[ActiveFault]:
        return [f for f in self.faults if owner is None or f.owner in (None, owner)]
