"""faxage-sim's wheel, built offline from a copy of this checkout (the checkout stays clean).

One builder for every test that needs the wheel (what is in it, the CI recipes that install it):
the `built_wheel` fixture in conftest.py builds it once per test session.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What a source checkout holds that the build reads: the package, the shipped scenarios (mapped
# into the package by pyproject.toml) and the files pyproject.toml names.
SOURCE_FILES = ("pyproject.toml", "README.md", "LICENSE")
SOURCE_FOLDERS = ("faxage_sim", "scenarios")


def build_wheel(work: Path) -> Path:
    source = work / "source"
    source.mkdir()
    for name in SOURCE_FILES:
        shutil.copy(ROOT / name, source / name)
    for folder in SOURCE_FOLDERS:
        shutil.copytree(ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    out = work / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
         "--no-index", "-q", "-w", str(out), str(source)],
        capture_output=True, text=True, timeout=240)
    assert built.returncode == 0, built.stderr
    (found,) = out.glob("faxage_sim-*.whl")
    return found
