"""The YAML examples of the README and the docs (CI recipes aside) are scenarios that load."""

from __future__ import annotations

import pytest

from faxage_sim.scenario import loader

from .docs_blocks import ROOT, blocks, pages


def examples() -> list[tuple[str, str]]:
    """Every YAML block of the README and the docs, but the CI recipes."""
    found = []
    for page in pages():
        for language, body in blocks(page):
            if language == "yaml" and not body.startswith(("# .github/", "# .gitlab")):
                found.append((str(page.relative_to(ROOT)), body))
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
