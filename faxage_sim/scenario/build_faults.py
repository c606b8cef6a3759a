"""A fault, from data already checked against the schema, with the checks it cannot express.

Used for the `faults:` of a scenario, the `fault:` of a timeline step and `POST /_sim/faults`,
so each says the same things about a bad fault.
"""

from __future__ import annotations

from typing import Any

from ..core.matching import NumberMatch
from ..core.timeref import TimeRef, parse_duration, parse_time_ref
from ..faults.effects import EFFECTS
from ..faults.matching import FaultSpec
from ..faults.spec import DEFAULT_LATENCY_CAP, ERROR_OPERATIONS, Latency, ProtocolError
from .document import Document
from .errors import Issue, Path

UPPER_PATHS = ("/httpsfax.php", "/httpsfax-debug.php")
EXCLUSIVE_EFFECTS = tuple(e.key for e in EFFECTS)  # a fault has one (latency combines)
TAKE_PROCESSED = tuple(e.key for e in EFFECTS if e.takes_processed)
# What each latency distribution needs.
DISTRIBUTION_PARAMS = {"fixed": ("seconds",), "uniform": ("min", "max"),
                       "normal": ("mean", "stddev"), "lognormal": ("median", "sigma"),
                       "exponential": ("mean",)}


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(str(v).strip() for v in items)


def build_fault(doc: Document, data: dict[str, Any], path: Path, issues: list[Issue], *,
                start: TimeRef | None = None, company: str | None = None) -> FaultSpec | None:
    """`start`/`company`: from the timeline step the fault is part of."""
    before = len(issues)

    def problem(message: str, *more: str | int) -> None:
        issues.append(doc.issue((*path, *more), message))

    effects = [k for k in EXCLUSIVE_EFFECTS if data.get(k) not in (None, False)]
    if len(effects) > 1:
        problem(f"a fault has one effect; this one has {', '.join(effects)} "
                "(only latency combines with another)")
    if not effects and data.get("latency") is None:
        # Latency (which combines with any effect) named after the two answer effects.
        names = [*EXCLUSIVE_EFFECTS[:2], "latency", *EXCLUSIVE_EFFECTS[2:]]
        problem(f"give the fault an effect: {', '.join(names[:-1])} or {names[-1]}")
    effect_fields: dict[str, Any] = {}
    for effect in EFFECTS:
        effect_fields.update(effect.parse(data, problem))
    if "processed" in data and not any(data.get(k) for k in TAKE_PROCESSED):
        problem(f'"processed" applies to {", ".join(TAKE_PROCESSED[:-1])} and '
                f"{TAKE_PROCESSED[-1]} faults", "processed")
    if "until" in data and "for" in data:
        problem('give "until" or "for", not both', "for")
    if start is not None and ("from" in data or "until" in data):
        problem('a timeline fault starts at its step: give its length with "for"',
                "from" if "from" in data else "until")

    error: ProtocolError | None = effect_fields["error"]
    operations = _strings(data.get("operation"))
    paths = _strings(data.get("path"))
    if error is not None and error in ERROR_OPERATIONS:
        owner = ERROR_OPERATIONS[error]
        if operations and operations != (owner,):
            problem(f"{error.value} is an answer of {owner} only", "operation")
        operations = (owner,)
        if any(p not in UPPER_PATHS for p in paths):
            problem(f"{error.value} is an httpsfax.php answer", "path")
    destination = _destination(data.get("destination"))
    latency = _latency(doc, data.get("latency"), (*path, "latency"), issues)
    if len(issues) > before:
        return None
    return FaultSpec(
        name=str(data.get("name") or ""),
        paths=paths, operations=operations,
        companies=_strings(data.get("company")) or ((company,) if company else ()),
        destination=destination,
        nth=data.get("nth"), every=data.get("every"), after=data.get("after"),
        probability=data.get("probability"),
        start=start if start is not None else (
            parse_time_ref(data["from"]) if "from" in data else None),
        end=parse_time_ref(data["until"]) if "until" in data else None,
        duration=parse_duration(data["for"]) if "for" in data else None,
        hits=data.get("hits"),
        latency=latency,
        processed=data.get("processed"),
        **effect_fields,
    )


def _destination(value: Any) -> NumberMatch | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return NumberMatch.of(
            number=str(value["number"]) if "number" in value else None,
            prefix=str(value["prefix"]) if "prefix" in value else None,
            pattern=value.get("pattern"))
    return NumberMatch.of(number=str(value).strip())


def _latency(doc: Document, value: Any, path: Path, issues: list[Issue]) -> Latency | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return Latency(seconds=parse_duration(value))
    before = len(issues)
    kind = value["distribution"]
    needed = DISTRIBUTION_PARAMS[kind]
    allowed = {*needed, "distribution", "cap"}
    for name in value:
        if name not in allowed:
            issues.append(doc.issue((*path, name), f'"{name}" is not a parameter of the '
                                    f"{kind} distribution (it takes {', '.join(needed)})"))
    for name in needed:
        if name not in value:
            issues.append(doc.issue(path, f'the {kind} distribution needs "{name}"'))
    if len(issues) > before:
        return None

    def seconds(name: str) -> float:
        return parse_duration(value[name]) if name in value else 0.0

    if kind == "uniform" and seconds("min") > seconds("max"):
        issues.append(doc.issue(path, '"min" is more than "max"'))
        return None
    return Latency(distribution=kind, seconds=seconds("seconds"), low=seconds("min"),
                   high=seconds("max"), mean=seconds("mean"), stddev=seconds("stddev"),
                   median=seconds("median"), sigma=float(value.get("sigma", 0.0)),
                   cap=parse_duration(value["cap"]) if "cap" in value else DEFAULT_LATENCY_CAP)
