"""The README's GitHub Actions and GitLab CI snippets, run step by step as those CIs would.

Install steps are left out (the package is installed here). The `pytest` the snippets run is
real: a user's test that sends a fax to $FAXAGE_URL and then fails, so the failure path
(printing the journal) runs too.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
FAILING_TEST = '''
import os
import httpx

def test_sends_a_fax_then_fails():
    answer = httpx.post(os.environ["FAXAGE_URL"] + "/httpsfax.php", data={
        "username": "demo", "company": "1000", "password": "demo", "operation": "sendfax",
        "faxno": "3039911234", "recipname": "CI", "faxfilenames[]": "ci.txt",
        "faxfiledata[]": "aGk="})
    assert answer.text.startswith("JOBID: ")
    assert False, "the application under test misbehaved"
'''


def yaml_block(first_line: str) -> Any:
    for match in re.finditer(r"^```yaml\n(.*?)^```$", README, re.MULTILINE | re.DOTALL):
        if match.group(1).startswith(first_line + "\n"):
            return yaml.safe_load(match.group(1))
    raise AssertionError(f"no yaml block starting {first_line!r} in README.md")


@pytest.fixture
def ci_dir(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], list[int]]]:
    (tmp_path / "test_app.py").write_text(FAILING_TEST)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("FAXAGE_URL", None)
    groups: list[int] = []
    yield tmp_path, env, groups
    for group in groups:  # the emulator the snippet left running in the background
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)


def bash(script: str, cwd: Path, env: dict[str, str],
         groups: list[int]) -> subprocess.CompletedProcess[str]:
    process = subprocess.Popen(["bash", "-e", "-c", script], cwd=cwd, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    groups.append(process.pid)
    out, _ = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out)


def test_the_github_actions_snippet(ci_dir: tuple[Path, dict[str, str], list[int]]) -> None:
    cwd, env, groups = ci_dir
    workflow = yaml_block("# .github/workflows/test.yml")
    steps = workflow["jobs"]["test"]["steps"]
    assert [s.get("name") or s["uses"] for s in steps] == [
        "actions/checkout@v4", "actions/setup-python@v5", "Install", "Start faxage-sim",
        "Test", "faxage-sim journal"]
    github_env = cwd / "github_env"
    env = {**env, "RUNNER_TEMP": str(cwd), "GITHUB_ENV": str(github_env)}
    github_env.write_text("")
    failed = False
    outputs = {}
    for step in steps:
        if "run" not in step or step["name"] == "Install":
            continue
        if step.get("if") == "failure()" and not failed:
            continue
        # Like GitHub: variables written to $GITHUB_ENV reach the later steps.
        for line in github_env.read_text().splitlines():
            name, value = line.split("=", 1)
            env[name] = value
        result = bash(step["run"], cwd, env, groups)
        outputs[step["name"]] = result
        failed = failed or result.returncode != 0
    assert outputs["Start faxage-sim"].returncode == 0, outputs["Start faxage-sim"].stdout
    url = env["FAXAGE_URL"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    assert outputs["Test"].returncode == 1  # the application's test failed...
    journal = outputs["faxage-sim journal"]
    assert journal.returncode == 0, journal.stdout
    lines = journal.stdout.splitlines()
    assert lines[:2] == [  # ...and the journal shows what reached the emulator
        f"faxage-sim journal of {url}: 1 request(s), 0 callback(s)",
        "  [1000] #1 /httpsfax.php sendfax faxno=3039911234 recipname=CI "
        "faxfilenames=[ci.txt] faxfiledata=[<4 chars>] -> JOBID: 100001"]


def test_the_gitlab_ci_snippet(ci_dir: tuple[Path, dict[str, str], list[int]]) -> None:
    cwd, env, groups = ci_dir
    job = yaml_block("# .gitlab-ci.yml")["test"]
    assert job["artifacts"] == {"when": "on_failure", "paths": ["faxage-sim.log"]}
    # GitLab runs a job's script lines one after another in one shell, stopping at a failure.
    script = "\n".join(line for line in job["script"] if not line.startswith("pip install"))
    result = bash(script, cwd, env, groups)
    assert result.returncode == 1, result.stdout
    match = re.search(r"^faxage-sim journal of (http://127\.0\.0\.1:\d+): 1 request\(s\), "
                      r"0 callback\(s\)$", result.stdout, re.MULTILINE)
    assert match, result.stdout
    assert "  [1000] #1 /httpsfax.php sendfax faxno=3039911234 recipname=CI " in result.stdout
    assert "1 failed" in result.stdout  # pytest's own summary came first
    assert (cwd / "faxage-sim.log").exists() and (cwd / "faxage.port").exists()
