"""The pytest, unittest, Flask and script examples: files under examples/, embedded verbatim in
the README and the docs, and run here, so the documentation cannot drift from what works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .docs_blocks import DOCS, ROOT, blocks, pages

EXAMPLES = ROOT / "examples"


def run(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(EXAMPLES)}  # examples import faxclient
    return subprocess.run([sys.executable, *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def example_files() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text() for p in EXAMPLES.rglob("*.py")
            if "__pycache__" not in p.parts}


def test_every_embedded_example_is_the_file_verbatim() -> None:
    files = example_files()
    embedded = 0
    for page in pages():
        for language, body in blocks(page):
            first = body.split("\n", 1)[0]
            if language == "python" and first.startswith("# examples/"):
                path = first.removeprefix("# ")
                assert body == files.get(path), f"{page.name}'s copy of {path} differs"
                embedded += 1
    assert embedded >= len(files)


def test_the_docs_show_every_example() -> None:
    shown = {body.split("\n", 1)[0].removeprefix("# ") for page in DOCS.rglob("*.md")
             for language, body in blocks(page) if language == "python"}
    for path, text in example_files().items():
        assert text.startswith(f"# {path}\n")
        assert path in shown, f"{path} is in no docs page"


def test_the_pytest_examples_pass_with_nothing_imported() -> None:
    result = run("-m", "pytest", "examples", "-p", "no:cacheprovider", "-o", "addopts=", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^9 passed in ", result.stdout, re.MULTILINE), result.stdout


def test_the_script_example_prints_what_the_docs_say() -> None:
    shown = [body for _, body in blocks(DOCS / "pytest.md")]
    script = next(i for i, b in enumerate(shown) if b.startswith("# examples/send_one_fax.py"))
    result = run("examples/send_one_fax.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout == shown[script + 1]


def test_the_unittest_example_passes() -> None:
    result = run("-m", "unittest", "-v", "unittest_send_fax", cwd=EXAMPLES)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "OK"
    assert "Ran 2 tests" in result.stderr
