"""The plugin as users meet it: whole pytest runs of user test files that import nothing."""

from __future__ import annotations

import socket

import pytest

pytest_plugins = ["pytester"]

SEND = '''
import base64
import httpx

def sendfax(sim, faxno="3039911234", **fields):
    data = {**sim.credentials, "operation": "sendfax", "recipname": "Alice",
            "faxno": faxno, "faxfilenames[]": "note.txt",
            "faxfiledata[]": base64.b64encode(b"Hi").decode(), **fields}
    with sim.client() as client:
        return client.post("/httpsfax.php", data=data).text
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_fixtures_need_no_import(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user='''
def test_one(faxage_sim):
    assert faxage_sim.url.startswith("http://127.0.0.1:")

def test_two(faxage_sim, faxage_sim_asgi):
    assert faxage_sim.company != faxage_sim_asgi.company
''')
    pytester.runpytest_inprocess().assert_outcomes(passed=2)


def test_conftest_overrides_host_and_port(pytester: pytest.Pytester) -> None:
    port = free_port()
    pytester.makeconftest(f'''
import pytest

@pytest.fixture(scope="session")
def faxage_sim_host():
    return "localhost"

@pytest.fixture(scope="session")
def faxage_sim_port():
    return {port}
''')
    pytester.makepyfile(test_user=SEND + f'''
def test_fixed_address(faxage_sim):
    assert faxage_sim.url == "http://127.0.0.1:{port}"
    assert sendfax(faxage_sim).startswith("JOBID: ")
''')
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_directorys_conftest_turns_on_tls_for_its_tests_only(
        pytester: pytest.Pytester) -> None:
    secure = pytester.mkpydir("secure")
    (secure / "conftest.py").write_text('''
import pytest

@pytest.fixture(scope="session")
def faxage_sim_tls():
    return True
''')
    (secure / "test_secure.py").write_text(SEND + '''
import ssl
import httpx
import pytest

def test_https_verified_against_the_ca_bundle(faxage_sim):
    assert faxage_sim.url.startswith("https://127.0.0.1:")
    ca = ssl.create_default_context(cafile=faxage_sim.ca_bundle)
    with httpx.Client(verify=ca) as client:
        answer = client.post(faxage_sim.httpsfax_url,
                             data={**faxage_sim.credentials, "operation": "status"})
    assert answer.text == "ERR06: No jobs to display or job id specified not found"
    assert sendfax(faxage_sim).startswith("JOBID: ")  # sim.client() trusts the CA itself

def test_clients_that_do_not_trust_it_are_refused(faxage_sim):
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(faxage_sim.url + "/_sim/health")
''')
    pytester.makepyfile(test_plain='''
def test_plain_http_elsewhere(faxage_sim):
    assert faxage_sim.url.startswith("http://127.0.0.1:") and faxage_sim.ca_bundle is None
''')
    # In a subprocess: httpx maps httpcore's exceptions by class, and an in-process run
    # would import httpcore anew.
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_a_failing_test_shows_its_accounts_requests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=SEND + '''
def test_fails(faxage_sim_asgi):
    sendfax(faxage_sim_asgi, "3039910001")
    assert False, "the client did the wrong thing"

def test_passes(faxage_sim_asgi):
    sendfax(faxage_sim_asgi)
''')
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.re_match_lines([
        r"-+ faxage-sim requests \(company \d+\) -+",
        r"#\d+ /httpsfax\.php sendfax recipname=Alice faxno=3039910001 "
        r"faxfilenames=\[note\.txt\] faxfiledata=\[<4 chars>\] -> JOBID: \d+",
    ])
    assert result.stdout.str().count("faxage-sim requests") == 1


def test_marker_mistakes_are_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user='''
import pytest

@pytest.mark.faxage_sim(lines=2)
def test_unknown_argument(faxage_sim_asgi):
    pass

@pytest.mark.faxage_sim({"tries": 2})
def test_positional(faxage_sim_asgi):
    pass
''')
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines([
        "*@pytest.mark.faxage_sim: unknown argument(s) lines (known: did_count, scenario, "
        "seed, settings, start)*",
        "*@pytest.mark.faxage_sim takes keyword arguments only*",
    ])


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.faxage_sim(scenario=None, seed=None, *"])


def test_a_run_without_the_fixtures_starts_nothing(pytester: pytest.Pytester) -> None:
    """pytest loads the plugin in every run: it must not start or import the emulator."""
    pytester.makepyfile(test_user='''
import sys
import threading

def test_nothing_started():
    assert "faxage_sim.pytest_plugin" in sys.modules  # the plugin is loaded...
    loaded = sorted(m for m in sys.modules
                    if m.startswith(("faxage_sim.", "starlette", "uvicorn")))
    assert loaded == ["faxage_sim.pytest_plugin"]  # ...and nothing else of ours
    assert not [t for t in threading.enumerate() if t.name == "faxage-sim"]
''')
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_each_xdist_worker_has_its_own_server(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(test_user=SEND + '''
import os
import pytest

@pytest.mark.parametrize("n", range(6))
def test_record_the_server(faxage_sim, n, tmp_path_factory):
    assert sendfax(faxage_sim).startswith("JOBID: ")
    worker = os.environ["PYTEST_XDIST_WORKER"]
    out = tmp_path_factory.getbasetemp().parent.parent / f"{worker}-{n}.url"
    out.write_text(faxage_sim.url)
''')
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)
    urls: dict[str, set[str]] = {}
    for path in pytester.path.parent.rglob("gw*-*.url"):
        urls.setdefault(path.name.split("-")[0], set()).add(path.read_text())
    assert sorted(urls) == ["gw0", "gw1"]
    assert all(len(seen) == 1 for seen in urls.values())  # one server per worker...
    assert urls["gw0"] != urls["gw1"]  # ...not shared
