"""The built wheel: every package directory and every shipped scenario (kept once, in the
top-level scenarios/ folder) is in it, and `faxage-sim scenario list` works from it alone."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p.name for p in (ROOT / "scenarios").iterdir()
                 if p.suffix in (".yaml", ".json"))


@pytest.fixture
def wheel(built_wheel: Path) -> Path:
    return built_wheel


def test_the_scenarios_are_kept_once_at_the_top_level() -> None:
    assert "happy-path.yaml" in SHIPPED and "scenario.schema.json" in SHIPPED
    assert not (ROOT / "faxage_sim" / "scenarios").exists()


def test_the_wheel_holds_every_scenario_and_every_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"faxage_sim/scenarios/{name}" for name in SHIPPED} <= names
    # every file of the package (code, py.typed, templates...), not only the scenarios
    sources = {str(p.relative_to(ROOT)) for p in (ROOT / "faxage_sim").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    missing = sorted(sources - names)
    assert not missing, ("not in the wheel (list the package, and its data, in "
                         f"pyproject.toml): {missing}")


def test_scenario_list_works_from_the_wheel_alone(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    listed = subprocess.run(
        [sys.executable, "-m", "faxage_sim", "scenario", "list"], cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    shown = [line.split()[0] for line in listed.stdout.splitlines() if line.strip()]
    assert sorted(n.removesuffix(".yaml") for n in SHIPPED if n.endswith(".yaml")) == \
        sorted(n for n in shown if not n.startswith("#"))
    where = subprocess.run(
        [sys.executable, "-c", "from faxage_sim.scenario import shipped; "
                               "print(shipped.find('happy-path').file)"], cwd=tmp_path,
        env={"PYTHONPATH": str(site)}, capture_output=True, text=True, timeout=60)
    assert where.stdout.strip() == str(site / "faxage_sim" / "scenarios" / "happy-path.yaml")
