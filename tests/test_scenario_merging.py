"""`extends:` merges by declaration: every field of every merged scenario part says how."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field

import pytest

from faxage_sim.scenario import model
from faxage_sim.scenario.errors import Location
from faxage_sim.scenario.loader import load_data
from faxage_sim.scenario.merging import OVERRIDE, Merge, merge_parts


def merged_parts() -> list[type]:
    """Scenario and every part it merges field by field (followed through the policies)."""
    found: list[type] = []
    todo: list[type] = [model.Scenario]
    while todo:
        cls = todo.pop()
        if cls in found:
            continue
        found.append(cls)
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.metadata.get("merge") in (Merge.FIELDS, Merge.MERGE_BY_KEY):
                todo.extend(t for t in _dataclasses_in(hints[f.name]))
    return found


def _dataclasses_in(hint: object) -> list[type]:
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return [hint]
    return [t for arg in typing.get_args(hint) for t in _dataclasses_in(arg)]


def test_the_merged_parts_are_found() -> None:
    assert set(merged_parts()) == {model.Scenario, model.ClockSpec, model.AccountSpec,
                                   model.InventorySpec}


@pytest.mark.parametrize("part", merged_parts(), ids=lambda c: c.__name__)
def test_every_field_of_a_merged_part_declares_its_merge_policy(part: type) -> None:
    undeclared = [f.name for f in dataclasses.fields(part) if "merge" not in f.metadata]
    assert undeclared == []
    keyed = [f for f in dataclasses.fields(part)
             if f.metadata["merge"] in (Merge.MERGE_BY_KEY, Merge.REPLACE_BY_KEY)]
    assert all(f.metadata["merge_key"] for f in keyed)


def test_a_field_without_a_declaration_fails_the_merge() -> None:
    @dataclass
    class Part:
        kept: int | None = field(default=None, metadata=OVERRIDE)
        forgotten: int | None = None

    with pytest.raises(TypeError, match="forgotten declares no merge policy"):
        merge_parts(Part(1, 2), Part(None, 3))


def test_each_policy_merges_as_it_says() -> None:
    where = Location("x.yaml", None, ())
    base = model.Scenario(
        "base", "base.yaml", description="base", seed=1, clock=model.ClockSpec(speed=2.0),
        accounts=[model.AccountSpec(where, company="1", dids=["3035550100"], did_count=3,
                                    users=[model.UserSpec("a", "pw1"), model.UserSpec("b", "x")],
                                    settings={"tries": 2, "timings": {"dial": 5}})],
        rules=["base rule"], faults=["base fault"], timeline=["base step"],  # type: ignore[list-item]
        inventory=model.InventorySpec(where, replace=True, rate_centers=["rc1"]),  # type: ignore[list-item]
        files=["base.yaml"])
    child = model.Scenario(
        "child", "child.yaml", seed=None, clock=model.ClockSpec(start=10.0),
        accounts=[model.AccountSpec(where, company="1", did_count=4,
                                    users=[model.UserSpec("a", "pw2")],
                                    settings={"timings": {"conversion": 9}}),
                  model.AccountSpec(where, company="2")],
        rules=["child rule"], faults=["child fault"], timeline=["child step"],  # type: ignore[list-item]
        inventory=model.InventorySpec(where, rate_centers=["rc2"], shortage=True),  # type: ignore[list-item]
        files=["child.yaml"])
    out = merge_parts(base, child)
    assert (out.name, out.source, out.description, out.seed) == ("child", "child.yaml",
                                                                 "base", 1)
    assert out.clock == model.ClockSpec(mode=None, speed=2.0, start=10.0)
    assert out.accounts is not None and [a.company for a in out.accounts] == ["1", "2"]
    first = out.accounts[0]
    assert (first.dids, first.did_count) == (["3035550100"], 4)
    assert first.users == [model.UserSpec("a", "pw2"), model.UserSpec("b", "x")]
    assert first.settings == {"tries": 2, "timings": {"dial": 5, "conversion": 9}}
    assert (out.rules, out.faults, out.timeline) == (
        ["child rule", "base rule"], ["child fault", "base fault"], ["base step", "child step"])
    assert out.inventory == model.InventorySpec(where, replace=True,
                                                rate_centers=["rc1", "rc2"], shortage=True)  # type: ignore[list-item]
    assert out.files == ["child.yaml", "base.yaml"]


def test_extends_follows_the_declarations_end_to_end() -> None:
    scenario = load_data({"extends": "business-day", "seed": 99,
                          "description": "a busier day"})
    assert scenario.seed == 99 and scenario.description == "a busier day"
    assert scenario.files[0] == "<request>" and len(scenario.files) == 2
