"""docs/protocol.md is generated from the code: the committed file is the generated one, every
catalog text has its evidence, every operation the emulator serves is documented, every record
example has its layout's fields, and every decision a verify case names is in the table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from faxage_sim.cli.protocol_doc import DOC, TEXT_EVIDENCE, catalog_names, examples, render
from faxage_sim.endpoints import httpsfax, provision
from faxage_sim.verify.cases import CASES
from faxage_sim.wire.contract import DECISIONS, LAYOUTS, URLS

ROOT = Path(__file__).resolve().parent.parent


def test_the_committed_protocol_doc_is_the_generated_one() -> None:
    assert DOC == ROOT / "docs" / "protocol.md"
    assert DOC.read_text(encoding="utf-8") == render(), \
        "docs/protocol.md is stale: run python -m faxage_sim.protocol_doc --write"


def test_the_generator_prints_the_same_from_the_command_line() -> None:
    printed = subprocess.run([sys.executable, "-m", "faxage_sim.protocol_doc"], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == DOC.read_text(encoding="utf-8")


def test_every_catalog_text_has_its_evidence() -> None:
    assert sorted(catalog_names()) == sorted(TEXT_EVIDENCE)


def test_every_operation_the_emulator_serves_is_documented() -> None:
    documented = {url.path: {op.name for op in url.operations} for url in URLS}
    assert documented["/httpsfax.php"] == set(httpsfax.OPERATIONS)
    assert documented["/provision.php"] == set(provision.OPERATIONS)
    assert "portstatus" in documented["/httpsfax.php"]


def test_every_record_example_has_its_layouts_fields() -> None:
    found = examples()
    for key, layout in LAYOUTS.items():
        lines = found[key].splitlines()
        assert lines, key
        for line in lines:
            assert len(line.split(layout.separator)) == len(layout.fields), (key, line)


def test_every_decision_a_verify_case_observes_is_in_the_table() -> None:
    keys = [d.key for d in DECISIONS]
    assert len(keys) == len(set(keys))
    named = {key for case in CASES for key in case.decisions}
    assert named <= set(keys)
    # the open points the issue names are all observable by a verify run
    assert {"cleared-text", "stopped-text", "empty-lists", "debug-dump", "err20-23-texts",
            "err08-dump"} <= named


def test_nothing_in_the_project_points_at_the_shared_folder() -> None:
    needles = ("../" + "shared", "/work/" + "shared")  # spelled apart: not a pointer itself
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    for name in tracked:
        path = ROOT / name
        if not path.is_file() or path.suffix in (".pdf", ".tif", ".jpg", ".png"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not any(n in text for n in needles), name
