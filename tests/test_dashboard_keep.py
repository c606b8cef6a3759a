"""A failing test's developer opens the dashboard: the failure report names its URL, and
`--faxage-sim-keep` keeps the emulator (and the failed test's account) up until Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading

import httpx
import pytest

from .helpers import DEADLINE
from .test_plugin_sessions import SEND

pytest_plugins = ["pytester"]

FAILING = SEND + '''
def test_fails(faxage_sim):
    sendfax(faxage_sim, recipname="Kept Recipient")
    assert False, "the client did the wrong thing"
'''


def test_the_failure_report_names_the_accounts_dashboard(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=FAILING)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.re_match_lines([
        r"-+ faxage-sim requests \(company \d+\) -+",
        r"dashboard: http://127\.0\.0\.1:\d+/_sim/ui/jobs\?company=\d+ "
        r"\(run with --faxage-sim-keep to look at it after the test\)",
    ])


def test_keep_leaves_the_failed_account_on_the_dashboard_until_ctrl_c(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=FAILING)
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--faxage-sim-keep"],
        cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    watchdog = threading.Timer(120, process.kill)  # never hang the suite if it goes wrong
    watchdog.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:  # the report, then the kept accounts' URLs
            if "the emulator runs until Ctrl-C" in line:
                break
        url = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/_sim/ui/jobs\?company=\d+", url), url
        page = httpx.get(url)
        assert page.status_code == 200 and "Kept Recipient" in page.text
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=DEADLINE) == 1  # the test failed; the session ended cleanly
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
