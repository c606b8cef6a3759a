"""The JSON Schema of a scenario file: the one description of its structure.

`scenario_schema()` builds it; the validator (`scenario.validate`) checks files against it
and the package ships it as `scenarios/scenario.schema.json` for editors
(`python -m faxage_sim.scenario.schema` prints it; a test keeps the shipped file equal).
The account settings part is generated from `AccountSettings`, so a new setting is known to
scenario files as soon as it exists. Keywords starting with `x-` are this project's: the
validator reads them (`x-kind`: what a value means beyond its JSON type); editors ignore them.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import typing
from typing import Any

from ..core.accounts import AccountSettings
from ..faults.effects import EFFECTS
from ..faults.spec import DISTRIBUTIONS, PROTOCOL_PATHS
from .declare import (
    Schema,
    declared_fields,
    description_of,
    is_required,
    key_of,
    one_or_list,
    ref,
)
from .model import (
    ACCOUNT_PARTS,
    AccountSpec,
    ClockSpec,
    InboundSpec,
    InventorySpec,
    OutboundSpec,
    RateCenterSpec,
    StepSpec,
    UserSpec,
)

SCHEMA_ID = "https://faxage-sim.invalid/scenario.schema.json"
TRY_OUTCOMES = ("success", "busy", "no-answer", "drop-after", "conversion-failure")


def part_schema(cls: type, **more: Schema) -> Schema:
    """A part declared field by field (`scenario.declare`): its properties by file key, in
    field order (then `more`, keys the builder reads into other parts); a field without a
    default is required."""
    fields = declared_fields(cls)
    return _obj({**{key_of(f): f.metadata["schema"] for f in fields}, **more},
                description_of(cls),
                tuple(key_of(f) for f in fields if is_required(f)))


def _obj(properties: dict[str, Schema], description: str,
         required: tuple[str, ...] = ()) -> Schema:
    schema: Schema = {"type": "object", "description": description,
                      "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


def _defs() -> dict[str, Schema]:
    return {
        "duration": {
            "description": 'Seconds, or a string like "90s", "10m", "1h30m", "1d".',
            "type": ["number", "string"], "minimum": 0,
            "pattern": r"^\s*(\d+(\.\d+)?\s*(ms|d|h|m|s)?\s*)+$", "x-kind": "duration"},
        "time": {
            "description": 'A simulated time: an offset from the scenario start ("+10m", '
                           '"90s", seconds) or a date-time ("2026-01-05T09:30:00-07:00"; '
                           "UTC when it has no offset).",
            "type": ["number", "string"], "x-kind": "time"},
        "phone": {
            "description": "A 10-digit US number.",
            "type": ["string", "integer"], "pattern": "^[0-9]{10}$", "x-kind": "phone"},
        "did": {
            "description": 'One of the account\'s fax numbers: 10 digits, or "#1", "#2"... '
                           "for its first, second... DID.",
            "type": ["string", "integer"], "pattern": "^([0-9]{10}|#[1-9][0-9]*)$",
            "x-kind": "did"},
        "company": {
            "description": "An account's company number.",
            "type": ["string", "integer"], "pattern": "^[0-9]{1,12}$", "x-kind": "company"},
        "regex": {"description": "A regular expression (Python syntax), searched in the "
                                 "10-digit number.", "type": "string", "x-kind": "regex"},
        "settings": settings_schema(),
        "user": part_schema(UserSpec),
        "account": part_schema(AccountSpec),
        **{part.name: part_schema(part.item) for part in ACCOUNT_PARTS},  # scenario.parts
        "try": {
            "description": "What one dial try does.",
            "oneOf": [
                {"type": "string", "enum": list(TRY_OUTCOMES)},
                _obj({
                    "outcome": {"type": "string", "enum": list(TRY_OUTCOMES)},
                    "drop-after": {"type": "integer", "minimum": 0,
                                   "description": "The line drops after N pages."},
                    "pages": {"type": "integer", "minimum": 0,
                              "description": "drop-after: pages sent before the drop."},
                    "dial_seconds": ref("duration"),
                    "transmit_seconds": ref("duration"),
                    "remote_csid": {"type": "string", "maxLength": 20},
                    "longstatus": {"type": "string", "minLength": 1},
                }, "A try with details."),
            ]},
        "rule": _obj({
            "number": ref("phone"),
            "prefix": {"type": ["string", "integer"], "pattern": "^[0-9]{0,10}$",
                       "description": "Numbers starting with these digits."},
            "pattern": ref("regex"),
            "company": ref("company"),
            "probability": {"type": "number", "minimum": 0, "maximum": 1,
                            "description": "The share of matching jobs the rule takes "
                                           "(decided per job from the seed)."},
            "outcome": ref("try"),
            "tries": {"type": "array", "items": ref("try"), "minItems": 1,
                      "description": "Try 1, try 2...; the last repeats."},
            "dial_seconds": ref("duration"),
            "transmit_seconds": ref("duration"),
            "remote_csid": {"type": "string", "maxLength": 20},
            "longstatus": {"type": "string", "minLength": 1},
        }, "A destination rule: which numbers, and what each dial try does."),
        "latency": {
            "description": "Real seconds before the answer: a duration, or a distribution.",
            "oneOf": [
                ref("duration"),
                _obj({
                    "distribution": {"type": "string", "enum": list(DISTRIBUTIONS)},
                    "seconds": ref("duration"), "min": ref("duration"),
                    "max": ref("duration"), "mean": ref("duration"),
                    "stddev": ref("duration"), "median": ref("duration"),
                    "sigma": {"type": "number", "minimum": 0},
                    "cap": ref("duration"),
                }, "A latency distribution.", ("distribution",)),
            ]},
        "fault": _obj({
            "name": {"type": "string", "description": "Shown in the journal and console."},
            "path": one_or_list({"type": "string", "enum": list(PROTOCOL_PATHS)},
                                "Only these URLs."),
            "operation": one_or_list({"type": "string", "minLength": 1},
                                     "Only these operations."),
            "company": one_or_list(ref("company"), "Only requests naming these companies."),
            "destination": {"description": "Only sendfax to these numbers.", "oneOf": [
                ref("phone"),
                _obj({"number": ref("phone"),
                      "prefix": {"type": ["string", "integer"], "pattern": "^[0-9]{1,10}$"},
                      "pattern": ref("regex")}, "Numbers by prefix or pattern.")]},
            "nth": {"type": "integer", "minimum": 1, "description": "Only the Nth match."},
            "every": {"type": "integer", "minimum": 1, "description": "Every Nth match."},
            "after": {"type": "integer", "minimum": 0, "description": "After N matches."},
            "probability": {"type": "number", "minimum": 0, "maximum": 1},
            "from": ref("time"), "until": ref("time"), "for": ref("duration"),
            "hits": {"type": "integer", "minimum": 1, "description": "At most N times."},
            "latency": ref("latency"),
            **{name: part for effect in EFFECTS for name, part in effect.schema.items()},
            "processed": {"type": "boolean", "description": "The request still reaches "
                          "the service (e.g. the job is stored) though the client sees "
                          "the fault."},
        }, "An injected fault: which requests, when, and what goes wrong."),
        "inbound": part_schema(InboundSpec),
        "outbound": part_schema(OutboundSpec),
        "step": part_schema(StepSpec, fault=ref("fault")),
        "rate_center": part_schema(RateCenterSpec),
        "inventory": part_schema(InventorySpec),
        "clock": part_schema(ClockSpec),
    }


def scenario_schema() -> Schema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "faxage-sim scenario",
        "description": "A scripted situation for the faxage-sim FAXAGE emulator.",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "description": {"type": "string", "description": "One line: what it shows."},
            "extends": {"type": "string", "minLength": 1,
                        "description": "A shipped scenario's name or a path."},
            "seed": {"type": "integer", "description": "Seed for every random draw."},
            "clock": ref("clock"),
            "accounts": {"type": "array", "items": ref("account"),
                         "description": "The accounts (default: demo/1000/demo)."},
            "rules": {"type": "array", "items": ref("rule")},
            "timeline": {"type": "array", "items": ref("step")},
            "faults": {"type": "array", "items": ref("fault")},
            "inventory": ref("inventory"),
        },
        "$defs": _defs(),
    }


# --- account settings, generated from the dataclasses ----------------------------------

_ENUMS: dict[str, list[Any]] = {"fax_format": ["pdf", "tiff", "tif"],
                                "default_resolution": [0, 1, 2]}
# Upper bounds of numeric settings: a value drives loops (lines, tries, arrivals), so every
# one is capped (docs/security.md lists them). Durations are capped by the duration kind.
# Background inbound traffic costs about 0.3 ms of CPU per fax: 120 an hour keeps a
# one-day advance of one account near one second.
MAX_INBOUND_RATE_PER_HOUR = 120
SETTING_MAXIMA: dict[str, float] = {
    "outbound_lines": 1000, "inbound_lines": 1000, "tries": 100,
    "inbound_rate_per_hour": MAX_INBOUND_RATE_PER_HOUR, "conversion_per_page": 86400,
    "attempts": 20, "backoff_factor": 10,
}
MAX_URL_LENGTH = 2048


def _field_schema(name: str, hint: Any, owner: type) -> Schema:
    if dataclasses.is_dataclass(hint):
        return _dataclass_schema(typing.cast(type, hint))
    origin = typing.get_origin(hint)
    if origin is dict:
        return {"type": "object", "description": "Seconds by resolution (0, 1, 2).",
                "patternProperties": {"^[0-9]{1,3}$": ref("duration")},
                "additionalProperties": False}
    args = set(typing.get_args(hint))
    nullable = type(None) in args
    base = next((a for a in args if a is not type(None)), hint) if args else hint
    schema: Schema
    if name.endswith("_seconds") and base is float:
        schema = ref("duration")
    elif base is bool:
        schema = {"type": "boolean"}
    elif base is int:
        schema = {"type": "integer", "minimum": 0}
    elif base is float:
        schema = {"type": "number", "minimum": 0}
    else:
        schema = {"type": "string"}
        if name == "timezone":
            schema["x-kind"] = "timezone"
        if name.endswith("_url"):
            schema["pattern"] = "^https?://"
            schema["maxLength"] = MAX_URL_LENGTH
    if name in SETTING_MAXIMA and base in (int, float):
        schema["maximum"] = SETTING_MAXIMA[name]
    if name in _ENUMS:
        schema = {"enum": _ENUMS[name]}
    if nullable:
        schema = {"oneOf": [schema, {"type": "null"}]}
    return schema


def _dataclass_schema(cls: type) -> Schema:
    hints = typing.get_type_hints(cls)
    props = {f.name: _field_schema(f.name, hints[f.name], cls)
             for f in dataclasses.fields(cls)}
    return _obj(props, (cls.__doc__ or cls.__name__).strip().split("\n")[0])


def settings_schema() -> Schema:
    schema = _dataclass_schema(AccountSettings)
    schema["description"] = ("Account settings, as PUT /_sim/accounts/{company} takes them; "
                             "*_seconds fields also take durations like \"5m\".")
    return schema


def render() -> str:
    return json.dumps(scenario_schema(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - the regeneration command
    sys.stdout.write(render())
