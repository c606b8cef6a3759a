"""Every answer outside /_sim/ carries the browser-safety headers (wire/catalog
`PROTOCOL_SAFETY_HEADERS`, docs/protocol.md decision `browser-safety`), whatever built it,
and the body is FAXAGE's, byte for byte: a tenant's input echoed back never runs in a browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.endpoints import httpsfax
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.wire import catalog
from faxage_sim.wire.forms import build_post, print_r

LOGIN = {"username": "demo", "company": "1000", "password": "demo"}
SAFETY = catalog.PROTOCOL_SAFETY_HEADERS


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(SimConfig(clock=ClockMode.MANUAL)),
                    base_url="http://127.0.0.1") as running:
        yield running


def carries_them(headers: Any) -> bool:
    return {name: headers.get(name) for name in SAFETY} == SAFETY


def test_the_headers_say_sandbox_and_nosniff() -> None:
    assert SAFETY == {"content-security-policy": "sandbox; default-src 'none'",
                      "x-content-type-options": "nosniff"}


@pytest.mark.parametrize(("method", "path", "fields"), [
    ("POST", "/httpsfax.php", {**LOGIN, "operation": "status"}),
    ("POST", "/httpsfax.php", {**LOGIN, "operation": "frobnicate", "x": "<script>1</script>"}),
    ("POST", "/httpsfax.php", {**LOGIN, "password": "wrong", "operation": "status"}),
    ("POST", "/httpsfax-debug.php", {**LOGIN, "operation": "status", "x": "<b>hi</b>"}),
    ("POST", "/getcdr.php", {**LOGIN}),
    ("POST", "/provision.php", {**LOGIN, "operation": "listnpanxx"}),
    ("POST", "/new_provision.php", {**LOGIN, "operation": "nothing"}),
    ("GET", "/httpsfax.php", {}),
    ("POST", "/sendfax.php", {}),  # 404
    ("TRACE", "/httpsfax.php", {}),  # 405
    ("GET", "/", {}),  # the redirect to the dashboard
    ("POST", "/", {}),
])
def test_every_protocol_answer_carries_them(client: TestClient, method: str, path: str,
                                            fields: dict[str, str]) -> None:
    response = client.request(method, path, data=fields or None, follow_redirects=False)
    assert carries_them(response.headers), (response.status_code, response.headers)


def test_a_file_answer_carries_them_too(client: TestClient) -> None:
    client.post("/_sim/inbound", json={"did": "3032974100", "pages": 1, "duration": 0})
    client.post("/_sim/clock/advance", json={"seconds": 60})
    listed = client.post("/httpsfax.php", data={**LOGIN, "operation": "listfax"}).text
    fax = client.post("/httpsfax.php", data={**LOGIN, "operation": "getfax",
                                             "faxid": listed.split("\t", 1)[0]})
    assert fax.headers["content-type"] == catalog.BINARY_CONTENT_TYPE
    assert carries_them(fax.headers)


@pytest.mark.parametrize("spec", [{"status": 502}, {"status": 500, "server": "php"},
                                  {"error": "ERR01"}])
def test_an_injected_fault_answer_carries_them(client: TestClient,
                                               spec: dict[str, Any]) -> None:
    added = client.post("/_sim/faults", json={"fault": spec})
    assert added.status_code == 201, added.text
    response = client.post("/httpsfax.php", data={**LOGIN, "operation": "status"})
    assert response.status_code == spec.get("status", 200)
    assert carries_them(response.headers)


def test_an_internal_error_carries_them(client: TestClient,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setitem(httpsfax.OPERATIONS, "status", broken)
    response = client.post("/httpsfax.php", data={**LOGIN, "operation": "status"})
    assert (response.status_code, response.text) == (500, catalog.INTERNAL_ERROR)
    assert carries_them(response.headers)


FIELD_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
FIELD_NAMES = st.sampled_from(["note", "recipname", "x[]", "a[b]", "<script>", "faxno"])


def test_what_a_tenant_posts_comes_back_unchanged_and_inert(client: TestClient) -> None:
    """Generated form fields (HTML, scripts, any text) posted to the debug URL and as an
    unknown operation: the body is the print_r dump PHP would give, and the headers hold."""

    @settings(max_examples=150, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(fields=st.lists(st.tuples(FIELD_NAMES, FIELD_TEXT | st.just(
        '<script>fetch("/_sim/accounts")</script>')), max_size=4))
    def check(fields: list[tuple[str, str]]) -> None:
        for path, operation in (("/httpsfax.php", "frobnicate"),
                                ("/httpsfax-debug.php", "pendcount")):
            form = [*LOGIN.items(), ("operation", operation), *fields]
            response = client.post(path, content=_urlencoded(form), headers={
                "content-type": "application/x-www-form-urlencoded"})
            assert response.headers["content-type"] == catalog.TEXT_CONTENT_TYPE
            assert carries_them(response.headers)
            dump = print_r(build_post(form))
            assert response.text == (catalog.err08_with_dump(dump) if path == "/httpsfax.php"
                                     else dump + "0")

    check()


def _urlencoded(form: list[tuple[str, str]]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(form).encode()


def test_the_dump_in_the_answer_is_the_one_print_r_gives(client: TestClient) -> None:
    form = {**LOGIN, "operation": "frobnicate", "note": "<script>alert(1)</script>"}
    response = client.post("/httpsfax.php", data=form)
    assert response.text == catalog.err08_with_dump(print_r(build_post(form.items())))
    assert "[note] => <script>alert(1)</script>" in response.text
    assert carries_them(response.headers)


def test_the_safety_headers_do_not_reach_the_control_plane(client: TestClient) -> None:
    response = client.get("/_sim/health")
    assert response.headers["content-security-policy"] != SAFETY["content-security-policy"]
