"""The pytest plugin beside pytest-httpserver, measured in the same run (ratios).

1. Per-test fixture overhead: real pytest sessions of empty tests, each using `faxage_sim`,
   `faxage_sim_asgi` or pytest-httpserver's `httpserver`, and tests using no fixture; the
   overhead is the median setup+teardown time minus that of the fixture-less tests.
   Also `new_account()` + `close()` timed directly, without pytest. Target: <= 1 ms median.
2. Session server ready time after import: in fresh processes with every module imported
   first, from start to the first answered request (faxage-sim's `EmbeddedSimulator` with its
   socket vs pytest-httpserver's `HTTPServer`).
3. One request: sendfax in-process (`faxage_sim_asgi.transport`) and over the socket, vs one
   POST answered by pytest-httpserver. Target: in-process sendfax <= 1 ms median.

    .venv/bin/python benchmarks/bench_plugin.py [--tests 300] [--starts 7] [--requests 2000]
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import httpx

LOGIN_FIELDS = ("username", "company", "password")
DOC = base64.b64encode(b"Hello, fax!\n" * 20).decode()

TIMING_CONFTEST = '''
import json, os
durations = {}

def pytest_runtest_logreport(report):
    if report.when in ("setup", "teardown"):
        durations.setdefault(report.nodeid, 0.0)
        durations[report.nodeid] += report.duration

def pytest_sessionfinish(session):
    with open(os.environ["BENCH_OUT"], "w") as out:
        json.dump(durations, out)
'''

TEST_FILES = {
    "bare": "def test_it(n):\n    pass\n",
    "faxage_sim": "def test_it(n, faxage_sim):\n    pass\n",
    "faxage_sim_asgi": "def test_it(n, faxage_sim_asgi):\n    pass\n",
    "httpserver": "def test_it(n, httpserver):\n    pass\n",
}


def fixture_overhead(tests: int) -> dict[str, float]:
    """Median setup+teardown seconds per test, by fixture, from one real pytest session."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "conftest.py").write_text(TIMING_CONFTEST + textwrap.dedent(f'''
            def pytest_generate_tests(metafunc):
                if "n" in metafunc.fixturenames:
                    metafunc.parametrize("n", range({tests}))
            '''))
        for name, body in TEST_FILES.items():
            (root / f"test_{name}.py").write_text(body)
        out = root / "durations.json"
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        str(root)], cwd=root, check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "BENCH_OUT": str(out)})
        durations: dict[str, float] = json.loads(out.read_text())
    result = {}
    for name in TEST_FILES:
        # The first test of each file also starts the session server: left out.
        times = [d for node, d in durations.items() if node.startswith(f"test_{name}.py")][1:]
        result[name] = statistics.median(times)
    return result


def direct_account_cycle(runs: int) -> float:
    """Median seconds for new_account() + close() on a running embedded simulator."""
    from faxage_sim.embedded import EmbeddedSimulator

    with EmbeddedSimulator() as server:
        server.listen()
        for _ in range(50):
            server.new_account().close()
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            server.new_account().close()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


READY_SCRIPTS = {
    "faxage-sim": '''
import time, httpx
import faxage_sim.server.app, faxage_sim.server.state, faxage_sim.server.runner
import faxage_sim.embedded
import faxage_sim.handle, faxage_sim.inprocess, uvicorn
from faxage_sim.embedded import EmbeddedSimulator
started = time.perf_counter()
server = EmbeddedSimulator().start()
url = server.listen()
assert httpx.get(url + "/_sim/health").status_code == 200
print(time.perf_counter() - started)
server.stop()
''',
    "pytest-httpserver": '''
import time, httpx
from pytest_httpserver import HTTPServer
started = time.perf_counter()
server = HTTPServer(host="127.0.0.1", port=0)
server.start()
server.expect_request("/health").respond_with_data("ok")
assert httpx.get(server.url_for("/health")).status_code == 200
print(time.perf_counter() - started)
server.stop()
''',
}


def ready_time(kind: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", READY_SCRIPTS[kind]], check=True,
                              capture_output=True, text=True)
        times.append(float(done.stdout.strip()))
    return statistics.median(times)


def median_of(call: Callable[[], object], runs: int) -> float:
    for _ in range(100):  # warm up
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def request_times(runs: int) -> dict[str, float]:
    from pytest_httpserver import HTTPServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise

    from faxage_sim.embedded import EmbeddedSimulator

    results: dict[str, float] = {}
    with EmbeddedSimulator() as server:
        for name, in_process in (("in-process sendfax", True), ("socket sendfax", False)):
            sim = server.new_account(in_process=in_process)
            data = {**sim.credentials, "operation": "sendfax", "faxno": "3039911234",
                    "recipname": "Alice", "faxfilenames[]": "a.txt", "faxfiledata[]": DOC}
            with sim.client() as client:
                def send(client: httpx.Client = client, data: dict[str, str] = data) -> None:
                    assert client.post("/httpsfax.php", data=data).text.startswith("JOBID: ")
                results[name] = median_of(send, runs)
            sim.close()
    httpserver = HTTPServer(host="127.0.0.1", port=0)
    httpserver.start()
    try:
        httpserver.expect_request("/httpsfax.php", method="POST").respond_with_data(
            "JOBID: 1", content_type="text/html; charset=UTF-8")
        data = {"username": "demo", "company": "1000", "password": "demo",
                "operation": "sendfax", "faxno": "3039911234", "recipname": "Alice",
                "faxfilenames[]": "a.txt", "faxfiledata[]": DOC}
        with httpx.Client(base_url=httpserver.url_for("/")) as client:
            def canned() -> None:
                assert client.post("/httpsfax.php", data=data).text == "JOBID: 1"
            results["pytest-httpserver canned POST"] = median_of(canned, runs)
            httpserver.clear_log()
    finally:
        httpserver.stop()
    return results


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tests", type=int, default=300, help="tests per fixture")
    parser.add_argument("--starts", type=int, default=7, help="fresh processes per server")
    parser.add_argument("--requests", type=int, default=2000, help="timed requests each")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, {platform.platform()}")

    per_test = fixture_overhead(args.tests)
    bare = per_test["bare"]
    print(f"\n1. per-test setup+teardown, median of {args.tests - 1} tests "
          f"(fixture-less tests: {ms(bare)})")
    base = per_test["httpserver"] - bare
    for name in ("httpserver", "faxage_sim", "faxage_sim_asgi"):
        overhead = per_test[name] - bare
        print(f"   {name:<16} overhead {ms(overhead)}  ratio to httpserver "
              f"{overhead / base:.2f}x" + ("" if name == "httpserver" else "  (target <= 1 ms)"))
    cycle = direct_account_cycle(args.requests // 4)
    print(f"   new_account() + close() without pytest: {ms(cycle)}")

    sim_ready = ready_time("faxage-sim", args.starts)
    http_ready = ready_time("pytest-httpserver", args.starts)
    print(f"\n2. server ready after import, median of {args.starts} processes: "
          f"pytest-httpserver {ms(http_ready)}, faxage-sim {ms(sim_ready)}, "
          f"ratio {sim_ready / http_ready:.2f}x")

    times = request_times(args.requests)
    canned = times["pytest-httpserver canned POST"]
    print(f"\n3. one request, median of {args.requests}:")
    for name, seconds in times.items():
        target = "  (target <= 1 ms)" if name == "in-process sendfax" else ""
        print(f"   {name:<30} {ms(seconds)}  ratio to pytest-httpserver "
              f"{seconds / canned:.2f}x{target}")


if __name__ == "__main__":
    main()
