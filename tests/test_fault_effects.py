"""Fault effects as a registry: each effect is one class, and everything that must know the
effects (the schema, the one-effect rule, `processed`, the response dispatch) asks it."""

from __future__ import annotations

import dataclasses

import pytest

from faxage_sim.faults.effects import EFFECTS
from faxage_sim.faults.matching import FaultSpec
from faxage_sim.faults.spec import Drip, ProtocolError
from faxage_sim.scenario.build_faults import EXCLUSIVE_EFFECTS, TAKE_PROCESSED
from faxage_sim.scenario.schema import scenario_schema

# FaultSpec fields that say which requests and when, not what happens to them.
NOT_EFFECTS = {"name", "paths", "operations", "companies", "destination", "nth", "every",
               "after", "probability", "start", "end", "duration", "hits", "latency",
               "processed"}


def _owned() -> dict[str, str]:
    owned: dict[str, str] = {}
    for effect in EFFECTS:
        for name in effect.parse({}, lambda *_: None):
            assert name not in owned, f"{name} is read by two effects"
            owned[name] = effect.key
    return owned


def test_every_effect_field_of_a_fault_belongs_to_one_registered_effect() -> None:
    fields = {f.name for f in dataclasses.fields(FaultSpec)}
    assert fields - NOT_EFFECTS == set(_owned())


def test_the_schema_and_the_rules_come_from_the_registry() -> None:
    properties = scenario_schema()["$defs"]["fault"]["properties"]
    for effect in EFFECTS:
        for name, part in effect.schema.items():
            assert properties[name] == part
    assert EXCLUSIVE_EFFECTS == ("error", "status", "hang", "reset", "truncate", "drip")
    assert TAKE_PROCESSED == ("status", "hang", "reset")


@pytest.mark.parametrize(("spec", "key", "replaces", "reaches", "on_wire", "text"), [
    (FaultSpec(error=ProtocolError.ERR01), "error", True, False, False, "ERR01"),
    (FaultSpec(error=ProtocolError.ERR15), "error", False, True, False, "ERR15"),
    (FaultSpec(status=503), "status", True, False, False, "HTTP 503"),
    (FaultSpec(status=503, processed=True), "status", True, True, False,
     "HTTP 503, request processed"),
    (FaultSpec(hang=True), "hang", True, False, True, "hang until the client gives up"),
    (FaultSpec(reset=True), "reset", True, False, True, "connection reset"),
    (FaultSpec(truncate=True, truncate_keep=3), "truncate", False, True, True,
     "body cut short (3 bytes sent)"),
    (FaultSpec(drip=Drip(2, 0.5)), "drip", False, True, True,
     "slow drip (2 byte(s) every 0.5s)"),
])
def test_each_effect_says_what_it_does(spec: FaultSpec, key: str, replaces: bool,
                                       reaches: bool, on_wire: bool, text: str) -> None:
    assert spec.effect is not None and spec.effect.key == key
    assert (spec.replaces_answer, spec.reaches_service, spec.on_wire) == (
        replaces, reaches, on_wire)
    assert spec.describe() == text


def test_a_latency_alone_has_no_effect_class_and_reaches_the_service() -> None:
    from faxage_sim.faults.spec import Latency

    spec = FaultSpec(latency=Latency(seconds=2))
    assert spec.effect is None
    assert (spec.replaces_answer, spec.reaches_service, spec.on_wire) == (False, True, False)
    assert spec.describe() == "latency 2s"
