"""The guard in front of /_sim/ (docs/security.md): Host, Origin, JSON, the control token,
--no-control, masked passwords, and the emulator's own requests never reaching its control
plane, on a real socket server whatever the address, name, redirect or path spelling."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from starlette.testclient import TestClient

from faxage_sim.control.guard import OUTGOING_HEADER, OUTGOING_MARK, is_loopback_host
from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .helpers import DEADLINE, FaxApi
from .live import LiveServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_client(**settings: Any) -> TestClient:
    return TestClient(create_app(SimConfig(clock=ClockMode.MANUAL, **settings)),
                      base_url="http://127.0.0.1")


@pytest.fixture
def guarded() -> Iterator[TestClient]:
    with make_client() as client:
        yield client


def error_of(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["content-type"] == "application/json", response.text
    body = response.json()
    assert set(body) == {"error"}, body
    return response.status_code, body["error"]


# --- Host and Origin --------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8080", "localhost:8080",
                                  "LOCALHOST", "app.localhost:9", "[::1]:8080", "127.5.6.7",
                                  "faxage-sim.test"])
def test_loopback_hosts_are_answered(guarded: TestClient, host: str) -> None:
    assert guarded.get("/_sim/health", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "10.0.0.5",
                                  "127.0.0.1.evil.example", "localhost.evil.example", ""])
def test_a_foreign_host_is_refused_dns_rebinding(guarded: TestClient, host: str) -> None:
    before = guarded.get("/_sim/accounts").json()
    response = guarded.post("/_sim/reset", json={}, headers={"host": host})
    status, message = error_of(response)
    assert status == 403 and "is not this emulator's" in message
    assert guarded.post("/_sim/accounts", json={"company": "666"},
                        headers={"host": host}).status_code == 403
    assert guarded.get("/_sim/accounts").json() == before


def test_the_protocol_still_answers_any_host(guarded: TestClient) -> None:
    api = FaxApi(guarded)
    response = api.client.post("/httpsfax.php", data={**api.credentials, "operation": "status"},
                               headers={"host": "api.faxage.com"})
    assert response.text == "ERR06: No jobs to display or job id specified not found"


def test_the_bound_address_and_allowed_names_are_answered() -> None:
    with make_client(host="192.0.2.7", control_token="t", allowed_hosts=("sim.ci",)) as client:
        headers = {"x-faxage-sim-token": "t"}
        for host in ("192.0.2.7:8080", "sim.ci", "sim.ci:8080", "localhost"):
            assert client.get("/_sim/health", headers={**headers, "host": host}
                              ).status_code == 200, host
        assert client.get("/_sim/health", headers={**headers, "host": "192.0.2.8"}
                          ).status_code == 403
    with make_client(host="0.0.0.0", control_token="t") as client:
        # Every interface: any address literal names this machine; a name must be allowed.
        assert client.get("/_sim/health", headers={"x-faxage-sim-token": "t",
                                                   "host": "192.0.2.8:80"}).status_code == 200
        assert client.get("/_sim/health", headers={"x-faxage-sim-token": "t",
                                                   "host": "evil.example"}).status_code == 403


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "https://127.0.0.1",
                                    "http://127.0.0.1:9999", "http://localhost"])
def test_a_cross_site_origin_is_refused(guarded: TestClient, origin: str) -> None:
    response = guarded.post("/_sim/reset", json={}, headers={"origin": origin})
    status, message = error_of(response)
    assert status == 403 and "cross-origin" in message
    assert guarded.get("/_sim/accounts", headers={"origin": origin}).status_code == 403


def test_the_servers_own_origin_is_answered(guarded: TestClient) -> None:
    assert guarded.post("/_sim/reset", json={}, headers={
        "origin": "http://127.0.0.1"}).status_code == 200
    assert guarded.post("/_sim/reset", json={}, headers={
        "host": "localhost:8080", "origin": "http://localhost:8080"}).status_code == 200
    cross = guarded.get("/_sim/health", headers={"sec-fetch-site": "cross-site"})
    assert error_of(cross)[0] == 403
    assert guarded.get("/_sim/health", headers={"sec-fetch-site": "same-origin"}
                       ).status_code == 200


# --- JSON only --------------------------------------------------------------------------


@pytest.mark.parametrize(("content_type", "body"), [
    ("text/plain", b'{"company": "666"}'),
    ("text/plain;charset=UTF-8", b'{"company": "666"}'),
    ("application/x-www-form-urlencoded", b"company=666"),
    ("multipart/form-data; boundary=x", b"--x--\r\n"),
    (None, b'{"company": "666"}'),
])
def test_state_changes_need_a_json_body(guarded: TestClient, content_type: str | None,
                                        body: bytes) -> None:
    before = guarded.get("/_sim/accounts").json()
    headers = {"content-type": content_type} if content_type else {}
    for method, path in [("POST", "/_sim/accounts"), ("POST", "/_sim/reset"),
                         ("PUT", "/_sim/accounts/1000"), ("DELETE", "/_sim/accounts/1000"),
                         ("PATCH", "/_sim/accounts/1000")]:
        response = guarded.request(method, path, content=body, headers=headers)
        status, message = error_of(response)
        assert status == 415 and "needs Content-Type: application/json" in message
    assert guarded.get("/_sim/accounts").json() == before


def test_the_snapshot_upload_may_send_octet_stream(guarded: TestClient) -> None:
    # The guard lets it through to the snapshot endpoint, which finds no snapshot in it.
    response = guarded.put("/_sim/snapshot", content=b"\x00\x01",
                           headers={"content-type": "application/octet-stream"})
    status, message = error_of(response)
    assert status == 400 and "snapshot" in message.lower()
    refused = guarded.post("/_sim/snapshot", content=b"\x00",
                           headers={"content-type": "application/octet-stream"})
    assert error_of(refused)[0] == 415


def test_the_snapshot_upload_takes_what_the_download_gives(guarded: TestClient) -> None:
    FaxApi(guarded).send_jobid()
    download = guarded.get("/_sim/snapshot")
    assert download.headers["content-type"] == "application/vnd.sqlite3"
    before = guarded.get("/_sim/jobs").json()
    guarded.post("/_sim/reset", json={})
    upload = guarded.put("/_sim/snapshot", content=download.content,
                         headers={"content-type": download.headers["content-type"]})
    assert upload.status_code == 200, upload.text
    assert guarded.get("/_sim/jobs").json() == before


# --- one of each header, and a Host ------------------------------------------------------

HEADER_VALUES = {
    "origin": st.sampled_from(["http://127.0.0.1", "http://evil.example", "null"]),
    "sec-fetch-site": st.sampled_from(["same-origin", "none", "cross-site", "same-site"]),
    "sec-fetch-mode": st.sampled_from(["cors", "navigate", "no-cors"]),
    "content-type": st.sampled_from(["application/json", "text/plain",
                                     "application/x-www-form-urlencoded"]),
    "host": st.sampled_from(["127.0.0.1", "localhost:8080", "evil.example"]),
    "x-faxage-sim-token": st.sampled_from(["s3cret", "wrong"]),
}
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                                    blacklist_characters="\x7f"), max_size=40)


def test_a_header_given_twice_is_refused_whichever_comes_last() -> None:
    """Which of two Origin (or Sec-Fetch-Site, Content-Type...) headers counts is what an
    attacker would like to choose: neither does, the request is refused."""
    with make_client(control_token="s3cret") as client:
        token = {"x-faxage-sim-token": "s3cret"}
        before = client.get("/_sim/accounts", headers=token).json()

        @settings(max_examples=150, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(name=st.sampled_from(sorted(HEADER_VALUES)), data=st.data(),
               method=st.sampled_from(["GET", "POST"]))
        def check(name: str, data: st.DataObject, method: str) -> None:
            values = data.draw(st.lists(HEADER_VALUES[name] | HEADER_TEXT, min_size=2,
                                        max_size=3), label="values")
            headers = [(k.encode(), v.encode("latin-1")) for k, v in [
                ("host", "127.0.0.1"), *token.items(), ("content-type", "application/json"),
                *[(name, v) for v in values]] if k != name or v in values]
            response = client.request(method, "/_sim/accounts", headers=headers,
                                      content=b'{"company": "6666"}')
            status, message = error_of(response)
            assert status == 400 and f"the {name} header is given more than once" in message

        check()
        assert client.get("/_sim/accounts", headers=token).json() == before


def test_a_request_without_host_is_refused_on_a_real_socket(
        live: tuple[LiveServer, httpx.Client]) -> None:
    server, client = live
    jobid = FaxApi(client).send_jobid()  # type: ignore[arg-type]
    host, port = server.url.removeprefix("http://").split(":")
    for request in (b"POST /_sim/reset HTTP/1.0\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 2\r\n\r\n{}",
                    b"GET /_sim/accounts?show_passwords=1 HTTP/1.0\r\n\r\n"):
        answer = raw_exchange(host, int(port), request)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400 "), answer
        assert json.loads(body) == {"error": "a request without a Host header (HTTP/1.0?) is "
                                             "refused: send Host, as HTTP/1.1 does"}
    answered = raw_exchange(host, int(port), b"GET /_sim/health HTTP/1.0\r\nHost: "
                            + f"127.0.0.1:{port}".encode() + b"\r\n\r\n")
    assert answered.startswith(b"HTTP/1.1 200 ")
    assert client.get(f"/_sim/jobs/{jobid}").status_code == 200  # nothing was reset


def raw_exchange(host: str, port: int, request: bytes) -> bytes:
    """One request on a fresh connection, read until the server closes it (HTTP/1.0)."""
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# --- JSON errors, 404 and 405 ------------------------------------------------------------


def test_a_failure_inside_the_control_plane_is_json_and_the_connection_lives_on(
        live: tuple[LiveServer, httpx.Client], monkeypatch: pytest.MonkeyPatch) -> None:
    """An emulator bug in a control route: a complete JSON 500, and the next request on
    the same keep-alive connection is answered (uvicorn would drop it after a raise)."""
    from faxage_sim.control import accounts
    from faxage_sim.ui import views

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    server, _ = live
    monkeypatch.setattr(accounts, "account_json", broken)
    monkeypatch.setattr(views, "overview", broken)  # the dashboard's page alike
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        for method, path in [("GET", "/_sim/accounts"), ("GET", "/_sim/ui/")]:
            connection.request(method, path)
            failed = connection.getresponse()
            assert failed.status == 500 and failed.getheader("content-type") == \
                "application/json"
            assert json.loads(failed.read()) == {"error": (
                f"faxage-sim internal error on {method} {path}: the emulator failed on "
                "this request; the console has the details")}
            assert failed.getheader("x-frame-options") == "DENY"
            connection.request("GET", "/_sim/health")  # the same connection
            after = connection.getresponse()
            assert after.status == 200 and json.loads(after.read())["status"] == "ok"
    finally:
        connection.close()


# --- every answer below /_sim/: not framed, not sniffed, strict CSP ------------------------

CONTROL_HEADERS = {
    "content-security-policy": "default-src 'self'; object-src 'none'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "x-frame-options": "DENY", "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer"}


@pytest.mark.parametrize(("method", "path", "settings_"), [
    ("GET", "/_sim/health", {}), ("GET", "/_sim/ui/", {}), ("GET", "/_sim/ui/jobs", {}),
    ("GET", "/_sim/ui/static/dashboard.js", {}), ("GET", "/_sim/nothing", {}),
    ("GET", "/_sim/reset", {}), ("POST", "/_sim/reset", {}),
    ("GET", "/_sim/accounts", {"control_token": "s3cret"}),  # a 401
    ("GET", "/_sim/accounts", {"control": False}),  # a 404
])
def test_every_control_answer_carries_the_browser_headers(
        method: str, path: str, settings_: dict[str, Any]) -> None:
    with make_client(**settings_) as client:
        response = client.request(method, path, json={})
        assert {k: response.headers.get(k) for k in CONTROL_HEADERS} == CONTROL_HEADERS


# --- JSON errors, 404 and 405 (the router's) ----------------------------------------------


def test_unknown_urls_and_methods_answer_json(guarded: TestClient) -> None:
    assert error_of(guarded.get("/_sim/nothing")) == (404, "no control-plane URL /_sim/nothing")
    assert error_of(guarded.get("/_sim")) == (404, "no control-plane URL /_sim")
    answer = guarded.get("/_sim/reset")
    assert error_of(answer) == (405, "GET is not allowed on /_sim/reset")
    assert answer.headers["allow"] == "POST"


# --- the control token ------------------------------------------------------------------


def test_a_token_is_required_when_set() -> None:
    with make_client(control_token="s3cret") as client:
        status, message = error_of(client.get("/_sim/accounts"))
        assert status == 401 and "X-Faxage-Sim-Token" in message
        assert error_of(client.get("/_sim/accounts",
                                   headers={"x-faxage-sim-token": "wrong"}))[0] == 401
        assert client.get("/_sim/accounts",
                          headers={"x-faxage-sim-token": "s3cret"}).status_code == 200
        # The cookie counts for the browser's own pages only (Sec-Fetch-Site: same-origin).
        cookie = {"cookie": "faxage_sim_token=s3cret"}
        assert client.get("/_sim/accounts", headers={
            **cookie, "sec-fetch-site": "same-origin"}).status_code == 200
        # ?token= only counts on a page of the dashboard, and sets the cookie for the rest.
        assert client.get("/_sim/accounts", params={"token": "s3cret"}).status_code == 401
        assert error_of(client.get("/_sim/ui/"))[0] == 401  # the dashboard is guarded too
        assert error_of(client.get("/_sim/ui/", params={"token": "wrong"}))[0] == 401
        page = client.get("/_sim/ui/", params={"token": "s3cret"})
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert page.headers["set-cookie"] == (
            "faxage_sim_token=s3cret; Path=/_sim/; HttpOnly; SameSite=Strict")
        assert client.get("/_sim/accounts", headers={"sec-fetch-site": "same-origin"}
                          ).status_code == 200  # the cookie, kept by the client
        # The protocol never needs it.
        assert FaxApi(client).status().startswith("ERR06")


READ, CHANGE = ("GET", "/_sim/accounts"), ("POST", "/_sim/reset")


@pytest.mark.parametrize(("request_line", "fetch", "answered"), [
    # A script's fetch() from the dashboard: reads and changes.
    (READ, {"sec-fetch-site": "same-origin", "sec-fetch-mode": "cors"}, True),
    (CHANGE, {"sec-fetch-site": "same-origin", "sec-fetch-mode": "cors"}, True),
    (CHANGE, {"sec-fetch-site": "same-origin", "sec-fetch-mode": "same-origin"}, True),
    # A typed address or bookmark reads; it cannot change anything.
    (READ, {"sec-fetch-site": "none", "sec-fetch-mode": "navigate"}, True),
    (CHANGE, {"sec-fetch-site": "none", "sec-fetch-mode": "navigate"}, False),
    # A same-origin form post or navigation is no script's fetch.
    (CHANGE, {"sec-fetch-site": "same-origin", "sec-fetch-mode": "navigate"}, False),
    (CHANGE, {"sec-fetch-site": "same-origin", "sec-fetch-mode": "no-cors"}, False),
    (CHANGE, {"sec-fetch-site": "same-origin"}, False),
    # No Sec-Fetch headers: not a browser, so the token header it is.
    (READ, {}, False),
    (CHANGE, {}, False),
])
def test_the_token_cookie_counts_only_for_the_dashboards_own_requests(
        request_line: tuple[str, str], fetch: dict[str, str], answered: bool) -> None:
    with make_client(control_token="s3cret") as client:
        method, path = request_line
        response = client.request(method, path, json={}, headers={
            "cookie": "faxage_sim_token=s3cret", **fetch})
        assert (response.status_code == 200) is answered, response.text
        if not answered:
            assert error_of(response)[0] == 401


@pytest.mark.parametrize("site", ["cross-site", "same-site", "CROSS-SITE", "anything"])
def test_a_request_another_page_started_is_refused_even_with_the_token(site: str) -> None:
    # same-site: a page on another port of this host (browsers do not count ports in a site).
    with make_client(control_token="s3cret") as client:
        before = client.get("/_sim/accounts", headers={"x-faxage-sim-token": "s3cret"}).json()
        for method, path in (READ, CHANGE):
            response = client.request(method, path, json={}, headers={
                "cookie": "faxage_sim_token=s3cret", "x-faxage-sim-token": "s3cret",
                "sec-fetch-site": site, "sec-fetch-mode": "cors"})
            status, message = error_of(response)
            assert status == 403 and "from another page" in message
        assert client.get("/_sim/accounts",
                          headers={"x-faxage-sim-token": "s3cret"}).json() == before


def test_no_control_turns_the_control_plane_off() -> None:
    with make_client(control=False) as client:
        for method, path in [("GET", "/_sim/health"), ("POST", "/_sim/reset"),
                             ("GET", "/_sim/ui/")]:
            response = client.request(method, path, json={})
            assert error_of(response) == (
                404, "the control plane is off (faxage-sim serve --no-control)")
        assert FaxApi(client).status().startswith("ERR06")


def test_a_request_marked_as_the_emulators_own_is_refused(guarded: TestClient) -> None:
    before = FaxApi(guarded).send_jobid()
    response = guarded.post("/_sim/reset", json={}, headers={OUTGOING_HEADER: OUTGOING_MARK})
    status, message = error_of(response)
    assert status == 403 and "own outgoing requests" in message
    assert error_of(guarded.get("/_sim/accounts", headers={OUTGOING_HEADER: "anything"}))[0] \
        == 403
    assert guarded.get(f"/_sim/jobs/{before}").status_code == 200


# --- masked passwords -------------------------------------------------------------------


def test_passwords_are_masked_unless_asked_for(guarded: TestClient) -> None:
    created = guarded.post("/_sim/accounts", json={
        "company": "2000", "users": [{"username": "bob", "password": "hunter2"}]})
    assert created.json()["users"][0]["password"] == "hunter2"  # the creator's own answer
    listed = guarded.get("/_sim/accounts").json()["accounts"]
    assert {u["password"] for a in listed for u in a["users"]} == {"********"}
    assert guarded.get("/_sim/accounts/2000").json()["users"][0]["password"] == "********"
    changed = guarded.put("/_sim/accounts/2000", json={"tries": 2}).json()
    assert changed["users"][0]["password"] == "********"
    shown = guarded.get("/_sim/accounts/2000", params={"show_passwords": "1"}).json()
    assert shown["users"][0]["password"] == "hunter2"
    assert error_of(guarded.get("/_sim/accounts", params={"show_passwords": "yes please"}))[0] \
        == 400
    with make_client(show_passwords=True) as client:
        assert client.get("/_sim/accounts/1000").json()["users"][0]["password"] == "demo"


# --- the emulator's own requests, on a real socket -----------------------------------------


@pytest.fixture
def live() -> Iterator[tuple[LiveServer, httpx.Client]]:
    app = create_app(SimConfig(clock=ClockMode.MANUAL, log_requests=False))
    with LiveServer(app) as server, httpx.Client(base_url=server.url, trust_env=False,
                                                 timeout=DEADLINE) as client:
        yield server, client


def _other_account_with_a_job(client: httpx.Client) -> int:
    assert client.post("/_sim/accounts", json={"company": "2000"}).status_code == 201
    other = FaxApi(client, {"username": "demo", "company": "2000",  # type: ignore[arg-type]
                            "password": "demo"})
    return other.send_jobid()


def test_a_callback_to_the_control_plane_resets_nothing(
        live: tuple[LiveServer, httpx.Client]) -> None:
    server, client = live
    port = server.url.rsplit(":", 1)[1]
    other_job = _other_account_with_a_job(client)
    api = FaxApi(client)  # type: ignore[arg-type]
    targets = [f"http://127.0.0.1:{port}/_sim/reset", f"http://localhost:{port}/_sim/reset",
               f"http://127.0.0.1:{port}/%5Fsim/reset", f"http://127.0.0.1:{port}/_sim/./reset",
               f"http://LOCALHOST:{port}/_sim/reset"]
    jobs = [api.send_jobid(url_notify=url) for url in targets]
    api.run_until_idle()
    assert client.get("/_sim/jobs/" + str(other_job)).status_code == 200
    assert sorted(a["company"] for a in client.get("/_sim/accounts").json()["accounts"]) == [
        "1000", "2000"]
    for jobid in jobs:
        assert api.status_fields(jobid)[4] in ("success", "failure")  # still there
    deliveries = client.get("/_sim/callbacks", params={"company": "1000"}).json()["callbacks"]
    assert len(deliveries) == len(targets)
    # The delivery log shows what happened: refused by the guard, not a crash.
    outcomes = {d["url"]: (d["attempts"][-1]["status"], d["attempts"][-1]["error"])
                for d in deliveries}
    assert {status for status, _ in outcomes.values()} == {403}, outcomes


def test_a_url_fetch_of_the_control_plane_leaks_nothing(
        live: tuple[LiveServer, httpx.Client], httpserver: HTTPServer) -> None:
    server, client = live
    port = server.url.rsplit(":", 1)[1]
    api = FaxApi(client)  # type: ignore[arg-type]
    # A redirect from a harmless-looking URL to the control plane.
    httpserver.expect_request("/innocent.pdf").respond_with_data(
        "", status=302, headers={"location": f"http://127.0.0.1:{port}/_sim/accounts"})
    urls = [f"http://localhost:{port}/_sim/accounts",
            f"http://127.0.0.1:{port}/_sim/accounts?show_passwords=1",
            f"http://127.0.0.1:{port}/%5fsim/accounts", httpserver.url_for("/innocent.pdf")]
    for url in urls:
        assert api.call("sendfax", faxno="3039911234", recipname="A", faxurl=url) == (
            "ERR03: No files to fax"), url
        jobid = int(api.call("sendfax", faxno="3039911234", recipname="A", faxurl=url,
                             **{"async": "1"}).removeprefix("JOBID: "))
        api.run_until_idle()
        assert api.status_fields(jobid)[4:6] == ["failure", "Failed Conversion - Code 403"]
        assert api.call("dlstatus", jobid=str(jobid)) == "ERR25: File does not exist"


# --- serve, wait and the token ------------------------------------------------------------


def test_loopback_detection() -> None:
    assert all(is_loopback_host(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]",
                                             "127.9.9.9", "x.localhost"))
    assert not any(is_loopback_host(h) for h in ("0.0.0.0", "::", "10.1.2.3", "example.com"))


def test_serve_on_every_interface_prints_a_token_and_wait_uses_it() -> None:
    env = {**os.environ, "PYTHONPATH": ROOT}
    env.pop("FAXAGE_SIM_CONTROL_TOKEN", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "faxage_sim", "serve", "--host", "0.0.0.0", "--port", "0",
         "--clock", "manual", "--quiet"],
        stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        assert server.stdout is not None
        token_line = server.stdout.readline()
        assert token_line.startswith("faxage-sim control token (bound to 0.0.0.0, not "
                                     "loopback): "), token_line
        token = token_line.split("): ", 1)[1].split()[0]
        ready = server.stdout.readline()
        assert ready.endswith("(clock manual; account demo/1000/********; state in memory, "
                              "lost on stop; control token required)\n"), ready
        url = "http://127.0.0.1:" + ready.split(" listening on http://0.0.0.0:")[1].split()[0]
        assert httpx.get(url + "/_sim/health").status_code == 401
        assert httpx.get(url + "/_sim/health",
                         headers={"x-faxage-sim-token": token}).status_code == 200
        wait = [sys.executable, "-m", "faxage_sim", "wait", "--url", url, "--timeout", "2"]
        refused = subprocess.run(wait, capture_output=True, text=True, env=env, cwd=ROOT)
        assert refused.returncode == 1 and "HTTP 401" in refused.stderr
        accepted = subprocess.run(wait, capture_output=True, text=True, cwd=ROOT,
                                  env={**env, "FAXAGE_SIM_CONTROL_TOKEN": token})
        assert (accepted.returncode, accepted.stdout) == (0, url + "\n")
        journal = subprocess.run(
            [sys.executable, "-m", "faxage_sim", "journal", url, "--control-token", token],
            capture_output=True, text=True, env=env, cwd=ROOT)
        assert journal.returncode == 0, journal.stderr
    finally:
        server.terminate()
        server.wait(DEADLINE)


@pytest.mark.parametrize(("settings", "ending"), [
    ({}, "(clock manual; account demo/1000/********; state in memory, lost on stop)"),
    ({"show_passwords": True},
     "(clock manual; account demo/1000/demo; state in memory, lost on stop)"),
    ({"control": False}, "(clock manual; account demo/1000/********; state in memory, "
                         "lost on stop; control plane off)"),
    ({"control_token": "t"}, "(clock manual; account demo/1000/********; state in memory, "
                             "lost on stop; control token required)"),
])
def test_the_ready_line(settings: dict[str, Any], ending: str) -> None:
    from faxage_sim.control.options import login_words, ready_line
    from faxage_sim.server.state import AppState

    state = AppState(SimConfig(clock=ClockMode.MANUAL, **settings))
    who = "account " + login_words(state, "demo", "1000", "demo")
    assert ready_line("0.1.0", "http://127.0.0.1:8080", state, who) == (
        "faxage-sim 0.1.0 listening on http://127.0.0.1:8080 " + ending)


def test_a_websocket_under_sim_passes_the_same_checks() -> None:
    from starlette.websockets import WebSocketDisconnect

    with make_client(control_token="t") as client:
        for headers in ({"origin": "http://evil.example", "x-faxage-sim-token": "t"},
                        {"host": "evil.example", "x-faxage-sim-token": "t"}, {}):
            with pytest.raises(WebSocketDisconnect) as refused, \
                    client.websocket_connect("ws://127.0.0.1/_sim/ui/live", headers=headers):
                pass
            assert refused.value.code == 1008, headers
        # Past the guard (same origin, the token): no such route in this build, closed 1000.
        with pytest.raises(WebSocketDisconnect) as passed, client.websocket_connect(
                "ws://127.0.0.1/_sim/ui/live", headers={"origin": "http://127.0.0.1",
                                          "x-faxage-sim-token": "t"}):
            pass
        assert passed.value.code == 1000
