"""`benchmarks/run_all.py --quick`: the one benchmark command still runs and prints every
ratio the docs quote (figures not checked: a smoke test on a machine of any speed)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEASUREMENTS = ("startup", "startup-cpu", "throughput", "throughput-cpu", "listfax", "getcdr",
                "fixture", "verify", "memory")
RATIOS = r"\d+\.\d\dx / \d+\.\d\dx / \d+\.\d\dx"


def test_run_all_quick_prints_a_ratio_row_for_every_measurement() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run_all.py"), "--quick"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| measure | what | baseline (median) | faxage-sim (median) |")
    names = [row.split("|")[1].strip() for row in rows[1:]]
    assert names == list(MEASUREMENTS)
    for row in rows[1:]:
        # A --quick block can be too short to measure (below a tick of the CPU clock, or a
        # fixture overhead of zero): the row then says so.
        assert re.search(rf"\| ({RATIOS}|n/a \(too short to measure\)) \|", row), row
