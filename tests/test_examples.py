"""The README's pytest, unittest and script examples: files under examples/, embedded in the
README verbatim, and run here, so the documentation cannot drift from what works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
README = (ROOT / "README.md").read_text()
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def run(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(EXAMPLES)}  # examples import faxclient
    return subprocess.run([sys.executable, *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def readme_blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(README)]


def test_the_readme_embeds_every_example_verbatim() -> None:
    embedded = {}
    for language, body in readme_blocks():
        first = body.split("\n", 1)[0]
        if language == "python" and first.startswith("# examples/"):
            embedded[first.removeprefix("# ")] = body
    files = {str(p.relative_to(ROOT)): p.read_text() for p in EXAMPLES.rglob("*.py")
             if "__pycache__" not in p.parts}
    assert sorted(embedded) == sorted(files)
    for path, text in files.items():
        assert text.startswith(f"# {path}\n")
        assert embedded[path] == text, f"README's copy of {path} differs from the file"


def test_the_pytest_examples_pass_with_nothing_imported() -> None:
    result = run("-m", "pytest", "examples", "-p", "no:cacheprovider", "-o", "addopts=", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^6 passed in ", result.stdout, re.MULTILINE), result.stdout


def test_the_script_example_prints_what_the_readme_says() -> None:
    blocks = [body for _, body in readme_blocks()]
    script = next(i for i, b in enumerate(blocks) if b.startswith("# examples/send_one_fax.py"))
    result = run("examples/send_one_fax.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout == blocks[script + 1]


def test_the_unittest_example_passes() -> None:
    result = run("-m", "unittest", "-v", "unittest_send_fax", cwd=EXAMPLES)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "OK"
    assert "Ran 2 tests" in result.stderr
