"""The curl sessions of the README and the docs, run against a real `faxage-sim serve`.

A block that talks to `http://127.0.0.1:8080` is run as written in bash (the URL pointed at the
emulator started here, on a manual clock, reset before each block). A `# ` comment right after
a command is that command's output, compared exactly (an annotation after two spaces in
parentheses aside); `# saves NAME: N pages` is a file the command saved.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from .docs_blocks import ROOT, blocks, pages
from .helpers import DEADLINE

PLACEHOLDER = "http://127.0.0.1:8080"
MARK = "@@faxage-sim-docs@@"
ANNOTATION = re.compile(r"\s{2,}\(.*\)$")


def sessions() -> list[tuple[str, str]]:
    found = []
    for page in pages():
        for language, body in blocks(page):
            if language == "sh" and PLACEHOLDER in body and "curl" in body:
                found.append((str(page.relative_to(ROOT)), body))
    return found


def script_and_expected(body: str) -> tuple[str, list[list[str]]]:
    """The block with a marker printed in place of each output comment, and those outputs."""
    script: list[str] = []
    expected: list[list[str]] = []
    for line in body.splitlines():
        if line.startswith("# "):
            if script and script[-1].startswith("printf"):
                expected[-1].append(ANNOTATION.sub("", line[2:]))
            else:
                script.append(f"printf '\\n{MARK}\\n'")
                expected.append([ANNOTATION.sub("", line[2:])])
        else:
            script.append(line)
    return "\n".join(script), expected


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    server = subprocess.Popen([sys.executable, "-m", "faxage_sim", "serve", "--port", "0",
                               "--clock", "manual", "--quiet"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert server.stdout is not None
    ready = server.stdout.readline()
    yield ready.split(" listening on ")[1].split(" ")[0]
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=DEADLINE)


def test_there_are_sessions() -> None:
    assert len(sessions()) >= 6


@pytest.mark.parametrize(("page", "body"), sessions())
def test_the_session_answers_as_shown(page: str, body: str, emulator: str,
                                      tmp_path: Path) -> None:
    httpx.post(emulator + "/_sim/reset", json={}).raise_for_status()
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    script, expected = script_and_expected(body.replace(PLACEHOLDER, emulator))
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    outputs = result.stdout.split(f"\n{MARK}\n")
    for shown, output in zip(expected, outputs, strict=False):
        saved = re.fullmatch(r"saves (\S+): (\d+) pages.*", shown[0])
        if saved:
            with Image.open(tmp_path / saved.group(1)) as image:
                assert image.n_frames == int(saved.group(2))
            continue
        assert output.rstrip("\n") == "\n".join(shown), f"{page}: {shown}"
    assert len(outputs) == len(expected) + 1


def test_the_readmes_by_hand_block_ends_serving_the_scenario(tmp_path: Path) -> None:
    body = next(b for lang, b in blocks(ROOT / "README.md")
                if lang == "sh" and b.startswith("faxage-sim scenario list\n"))
    # The block's own last command serves until stopped; its port is the one given to it.
    script = body.replace("--clock manual", "--clock manual --port 0")
    shell = subprocess.Popen(["bash", "-e", "-c", script], cwd=tmp_path, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={**os.environ, "PYTHONUNBUFFERED": "1",
                                  "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                                          f"{os.environ['PATH']}"},
                             start_new_session=True)
    assert shell.stdout is not None
    seen = []
    for line in shell.stdout:
        seen.append(line)
        if " listening on " in line:
            break
    os.killpg(shell.pid, signal.SIGINT)
    _, err = shell.communicate(timeout=DEADLINE)
    assert shell.returncode == 0, err
    assert any(line.startswith("busy-then-success ") for line in seen)
    assert "ok: my.yaml: 1 account(s), 1 rule(s), 0 fault(s), 0 timeline step(s)\n" in seen
    assert seen[-1].endswith("(clock manual; scenario my; accounts demo/1000/********; "
                             "state in memory, lost on stop)\n"), seen[-1]
    assert "\ndescription: Every destination is busy on the first try" in (
        tmp_path / "my.yaml").read_text()
