"""The fenced code blocks of README.md and the docs/ pages, for the tests that run them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def blocks(page: Path) -> list[tuple[str, str]]:
    """(language, body) of each fenced block, in order."""
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(page.read_text())]


def block_starting(page: Path, language: str, first_line: str) -> str:
    for lang, body in blocks(page):
        if lang == language and body.startswith(first_line):
            return body
    raise AssertionError(f"no {language} block starting {first_line!r} in {page.name}")
