"""docs/troubleshooting.md quotes what the command prints: every `$ faxage-sim ...` command of
its console blocks is run, and its last line on stderr is the line the page shows under it."""

from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

from .docs_blocks import DOCS, blocks

PAGE = DOCS / "troubleshooting.md"


def quoted() -> list[tuple[str, str]]:
    pairs = []
    for language, body in blocks(PAGE):
        if language != "console":
            continue
        lines = body.splitlines()
        for command, shown in zip(lines[::2], lines[1::2], strict=True):
            assert command.startswith("$ faxage-sim ")
            pairs.append((command.removeprefix("$ "), shown))
    return pairs


def test_the_page_quotes_commands() -> None:
    assert len(quoted()) >= 10


@pytest.mark.parametrize(("command", "shown"), quoted())
def test_the_command_prints_what_the_page_shows(command: str, shown: str) -> None:
    argv = shlex.split(command)[1:]
    result = subprocess.run([sys.executable, "-m", "faxage_sim", *argv, "--port", "0"]
                            if argv[0] == "serve" else [sys.executable, "-m", "faxage_sim", *argv],
                            capture_output=True, text=True, timeout=60)
    assert "Traceback" not in result.stderr
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == shown
