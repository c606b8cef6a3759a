"""The documentation as a whole: the MkDocs site builds strictly (no broken link, no page left
out of the nav), the README stays one screen, and nothing points at files users never get."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .docs_blocks import DOCS, ROOT, pages


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                             "--site-dir", str(tmp_path / "site")], cwd=ROOT,
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "troubleshooting" / "index.html").exists()


def test_the_readme_is_one_screen_of_what_how_and_where() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme) < 12_000
    headings = re.findall(r"^## (.+)$", readme, re.MULTILINE)
    assert headings[:3] == ["Quick start", "Three ways to use it", "Magic destination numbers"]


def test_the_readmes_links_resolve() -> None:
    readme = (ROOT / "README.md").read_text()
    targets = {t.split("#", 1)[0] for t in re.findall(r"\]\(([^)]+)\)", readme)
               if not t.startswith(("http://", "https://"))}
    missing = {t for t in targets if not (ROOT / t).exists()}
    assert not missing, missing


def test_nothing_points_at_the_shared_spec_folder() -> None:
    for page in pages():
        text = page.read_text()
        assert "PROTOCOL.md" not in text, page
        # (every tracked file is checked for a path into the shared folder by test_protocol_doc)
    assert DOCS.joinpath("index.md").exists()
