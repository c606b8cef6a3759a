"""The CI recipes of docs/ci.md and the README, run command by command as those CIs would.

The install step runs too, as written: the wheel is built from this checkout and put in `ci/`
of a scratch project, as the recipes tell users to do, and `pip install` installs it into a fresh
virtual environment with the package index switched off (the dependencies come from the test
environment, faxage-sim itself only from the wheel). The `pytest` the recipes run is real: a
user's test that sends a fax to $FAXAGE_URL and then fails, so the failure path (printing the
journal) runs too.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import site
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from .docs_blocks import DOCS, ROOT, block_starting

CI_PAGE = DOCS / "ci.md"
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
JOURNAL_FIRST_REQUEST = ("  [1000] #1 /httpsfax.php sendfax faxno=3039911234 recipname=CI "
                         "faxfilenames=[ci.txt] faxfiledata=[<4 chars>] -> JOBID: 100001")


def recipe(first_line: str) -> Any:
    return yaml.safe_load(block_starting(CI_PAGE, "yaml", first_line))


@pytest.fixture
def wheel(built_wheel: Path) -> Path:
    return built_wheel


@pytest.fixture(scope="module")
def dependencies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test environment's packages but faxage-sim, for a fresh venv to see (offline)."""
    visible = tmp_path_factory.mktemp("dependencies")
    for packages in map(Path, site.getsitepackages()):
        for entry in packages.iterdir():
            hidden = "faxage" in entry.name or entry.suffix == ".pth"
            if not hidden and not (visible / entry.name).exists():
                (visible / entry.name).symlink_to(entry)
    return visible


@pytest.fixture
def project(tmp_path: Path, wheel: Path,
            dependencies: Path) -> Iterator[tuple[Path, dict[str, str], list[int]]]:
    """A user's project (a test, requirements.txt, the wheel in ci/) and a fresh venv on PATH."""
    (tmp_path / "test_app.py").write_text(FAILING_TEST)
    (tmp_path / "requirements.txt").write_text("pytest\nhttpx\n")
    (tmp_path / "ci").mkdir()
    shutil.copy(wheel, tmp_path / "ci" / wheel.name)
    venv = tmp_path / ".venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    [packages] = (venv / "lib").glob("python*/site-packages")
    (packages / "test-dependencies.pth").write_text(f"{dependencies}\n")
    # pytest is "installed" (requirements.txt) through the dependencies; give it its command.
    (venv / "bin" / "pytest").write_text(
        f"#!{venv / 'bin' / 'python'}\nimport sys, pytest\nsys.exit(pytest.console_main())\n")
    (venv / "bin" / "pytest").chmod(0o755)
    path = os.pathsep.join([str(venv / "bin"), "/usr/local/bin", "/usr/bin", "/bin"])
    env = {"PATH": path, "HOME": str(tmp_path), "PIP_NO_INDEX": "1",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1", "LANG": "C.UTF-8"}
    groups: list[int] = []
    yield tmp_path, env, groups
    for group in groups:  # the emulator the recipe left running in the background
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)


def bash(script: str, cwd: Path, env: dict[str, str],
         groups: list[int]) -> subprocess.CompletedProcess[str]:
    process = subprocess.Popen(["bash", "-e", "-c", script], cwd=cwd, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    groups.append(process.pid)
    out, _ = process.communicate(timeout=180)
    return subprocess.CompletedProcess(process.args, process.returncode, out)


def assert_installed_from_the_wheel(cwd: Path, env: dict[str, str], groups: list[int]) -> None:
    where = bash("faxage-sim --version; python -c 'import faxage_sim; print(faxage_sim.__file__)'",
                 cwd, env, groups)
    assert where.returncode == 0, where.stdout
    assert where.stdout.splitlines()[1].startswith(str(cwd / ".venv")), where.stdout


def test_the_github_actions_recipe(project: tuple[Path, dict[str, str], list[int]]) -> None:
    cwd, env, groups = project
    steps = recipe("# .github/workflows/test.yml")["jobs"]["test"]["steps"]
    assert [s.get("name") or s["uses"] for s in steps] == [
        "actions/checkout@v4", "actions/setup-python@v5", "Install", "Start faxage-sim",
        "Test", "faxage-sim journal"]
    github_env = cwd / "github_env"
    env = {**env, "RUNNER_TEMP": str(cwd), "GITHUB_ENV": str(github_env)}
    github_env.write_text("")
    failed = False
    outputs = {}
    for step in steps:
        if "run" not in step or (step.get("if") == "failure()" and not failed):
            continue
        # Like GitHub: variables written to $GITHUB_ENV reach the later steps.
        for line in github_env.read_text().splitlines():
            name, value = line.split("=", 1)
            env[name] = value
        result = bash(step["run"], cwd, env, groups)
        outputs[step["name"]] = result
        failed = failed or result.returncode != 0
        if step["name"] == "Install":
            assert result.returncode == 0, result.stdout
            assert_installed_from_the_wheel(cwd, env, groups)
    assert outputs["Start faxage-sim"].returncode == 0, outputs["Start faxage-sim"].stdout
    url = env["FAXAGE_URL"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    assert outputs["Test"].returncode == 1  # the application's test failed...
    journal = outputs["faxage-sim journal"]
    assert journal.returncode == 0, journal.stdout
    assert journal.stdout.splitlines()[:2] == [  # ...and the journal shows what reached it
        f"faxage-sim journal of {url}: 1 request(s), 0 callback(s)", JOURNAL_FIRST_REQUEST]


def test_the_gitlab_ci_recipe(project: tuple[Path, dict[str, str], list[int]]) -> None:
    cwd, env, groups = project
    job = recipe("# .gitlab-ci.yml")["test"]
    assert job["artifacts"] == {"when": "on_failure", "paths": ["faxage-sim.log"]}
    # GitLab runs a job's script lines one after another in one shell, stopping at a failure.
    result = bash("\n".join(job["script"]), cwd, env, groups)
    assert result.returncode == 1, result.stdout
    assert re.search(r"^faxage-sim journal of (http://127\.0\.0\.1:\d+): 1 request\(s\), "
                     r"0 callback\(s\)$", result.stdout, re.MULTILINE), result.stdout
    assert JOURNAL_FIRST_REQUEST in result.stdout.splitlines()
    assert "1 failed" in result.stdout  # pytest's own summary came first
    assert (cwd / "faxage-sim.log").exists() and (cwd / "faxage.port").exists()
    assert_installed_from_the_wheel(cwd, env, groups)


def test_the_shell_recipe_of_the_readme_and_the_docs(
        project: tuple[Path, dict[str, str], list[int]]) -> None:
    cwd, env, groups = project
    script = block_starting(CI_PAGE, "sh", "faxage-sim serve --port 0")
    assert block_starting(ROOT / "README.md", "sh", "faxage-sim serve --port 0") == script
    install = bash("pip install ci/faxage_sim-*.whl -r requirements.txt", cwd, env, groups)
    assert install.returncode == 0, install.stdout
    result = bash(script, cwd, env, groups)
    assert result.returncode == 1, result.stdout
    assert "1 failed" in result.stdout
    assert JOURNAL_FIRST_REQUEST in result.stdout.splitlines()
