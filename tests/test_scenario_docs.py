"""The YAML examples of the README and docs/scenarios.md are scenarios that load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from faxage_sim.scenario import loader

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[str, str]]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Scenarios and faults", 1)[1].split("\n## ", 1)[0]
    found = [("README.md", block) for block in BLOCK.findall(section)]
    found += [("docs/scenarios.md", b) for b in BLOCK.findall(
        (ROOT / "docs" / "scenarios.md").read_text())]
    return found


@pytest.mark.parametrize(("doc", "text"), examples())
def test_the_example_loads(doc: str, text: str) -> None:
    scenario = loader.load_text(text, doc)
    assert scenario.rules or scenario.faults or scenario.timeline or scenario.accounts


def test_there_are_examples() -> None:
    assert len(examples()) >= 5


def test_the_scenarios_directory_lists_every_shipped_one() -> None:
    from faxage_sim.scenario import shipped

    listed = (ROOT / "scenarios" / "README.md").read_text()
    for item in shipped.shipped():
        assert f"[`{item.name}`]({item.name}.yaml)" in listed
