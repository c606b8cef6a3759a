"""The dashboard in a real browser: headless Debian chromium driven by Playwright.

Each test starts its own emulator (manual clock) on a loopback socket and drives it through
the FAXAGE API (httpx) and through the page; every wait is on what the page shows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import (
    Browser,
    BrowserType,
    Dialog,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from faxage_sim.wire import catalog

from .dashboard import CHROMIUM_MISSING, Emulator, chromium_present
from .receivers import CallbackReceiver

pytestmark = pytest.mark.skipif(not chromium_present(), reason=CHROMIUM_MISSING)

XSS = "<script>alert(1)</script>"
ROOT = Path(__file__).resolve().parent.parent


# pytest-playwright's `playwright`, `browser_type` and `browser` fixtures, scoped to this module
# instead of the session: while the sync API runs, this thread has an asyncio loop marked as
# running, and every later test calling asyncio.run() would fail.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    kind: BrowserType = getattr(playwright, browser_name)
    return kind


@pytest.fixture(scope="module")
def browser(browser_type: BrowserType,
            browser_type_launch_args: dict[str, Any]) -> Iterator[Browser]:
    launched = browser_type.launch(**browser_type_launch_args)
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def browser_context_args() -> dict[str, Any]:
    return {"viewport": {"width": 1360, "height": 900}}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture
def dialogs(page: Page) -> list[str]:
    """Every alert/confirm the page opens (none should)."""
    opened: list[str] = []

    def record(dialog: Dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return opened


def open_live(page: Page, url: str) -> None:
    """Open a dashboard page and wait until its live stream is connected."""
    page.goto(url)
    expect(page.locator("#live-state")).to_have_text("live")


def test_root_redirects_to_the_overview_with_the_accounts_and_their_clocks(
        page: Page, emulator: Emulator) -> None:
    open_live(page, emulator.url + "/")
    assert page.url == emulator.dashboard
    row = page.locator('table.accounts tr[data-company="1000"]')
    expect(row).to_contain_text("manual")
    expect(row).to_contain_text("2026-01-05 09:00:00")  # 16:00 UTC in America/Denver
    expect(row).to_contain_text("0 / 4")  # lines in use
    expect(page.get_by_test_id("sim-now")).to_contain_text("2026-01-05 09:00:00")


def test_a_fax_sent_over_the_api_appears_without_a_reload_and_advancing_completes_it(
        page: Page, emulator: Emulator) -> None:
    with CallbackReceiver() as receiver:
        open_live(page, emulator.dashboard + "jobs")
        page.evaluate("window.notReloaded = true")
        jobid = emulator.sendfax(url_notify=receiver.url)
        row = page.locator(f'tr[data-jobid="{jobid}"]')
        expect(row).to_contain_text("Alice Example")
        expect(row).to_contain_text("Waiting for conversion")

        page.get_by_role("button", name="+5 min").click()
        expect(row).to_contain_text("success")
        assert page.evaluate("window.notReloaded") is True  # updated in place

        row.get_by_role("link", name=str(jobid)).click()
        expect(page.locator("h1")).to_contain_text(f"Job {jobid}")
        attempt = page.get_by_test_id("callback-attempt")
        expect(attempt).to_have_count(1)
        expect(attempt).to_contain_text("200")
        assert [r.fields["jobid"] for r in receiver.received] == [str(jobid)]
        expect(page.get_by_test_id("timeline")).to_contain_text("submitted")
        record = emulator.api("status", jobid=str(jobid), pagecount="1", csid="1",
                              showlogin="1", xmitpages="1", showtries="1", extqueue="1")
        assert page.get_by_test_id("status-record").text_content() == record.rstrip("\n")


def test_a_page_thumbnail_opens_full_size_and_is_a_real_image(
        page: Page, emulator: Emulator) -> None:
    jobid = emulator.sendfax()
    emulator.control("POST", "/_sim/clock/run-until-idle")
    open_live(page, f"{emulator.dashboard}jobs/{jobid}")
    thumb = page.get_by_test_id("page-thumb").first
    expect(thumb).to_be_visible()
    thumb.click()
    full = page.locator("#viewer-img")
    expect(full).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.getElementById('viewer-img');"
        " return i.complete && i.naturalWidth > 0; }")
    width, height, distinct = page.evaluate("""() => {
        const img = document.getElementById('viewer-img');
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
        const ctx = canvas.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        const seen = new Set();
        for (let i = 0; i < data.length; i += 4) seen.add(data[i]);
        return [img.naturalWidth, img.naturalHeight, seen.size];
    }""")
    assert width == 1100 and height > width  # a portrait fax page, full size
    assert distinct > 1  # black text on white, not a blank image
    for name in ("Download TIFF", "Download PDF", "Download transmittal"):
        href = page.get_by_role("link", name=name).get_attribute("href")
        assert href is not None
        answer = emulator.http.get(href)
        assert answer.status_code == 200 and len(answer.content) > 500


def test_an_inbound_fax_made_through_the_form_is_listed(
        page: Page, emulator: Emulator) -> None:
    open_live(page, emulator.dashboard + "inbound")
    form = page.get_by_test_id("inbound-form")
    form.get_by_label("To DID").select_option("3032974101")
    form.get_by_label("Station id (TSID)").fill("ACME <b>FAX</b>")
    form.get_by_label("Sender").fill("Acme Corp")
    form.get_by_label("Pages").fill("2")
    form.get_by_role("button", name="Send the fax call").click()
    expect(page.locator("#flash")).to_contain_text("answered")
    page.get_by_role("button", name="Next event").click()  # the call ends: the fax is in
    row = page.locator("table.faxes tbody tr").first
    expect(row).to_contain_text("ACME <b>FAX</b>")  # shown as text
    expect(row).to_contain_text("3032974101")
    expect(row).to_contain_text("Acme Corp")
    recvid = row.get_attribute("data-recvid")
    listed = emulator.control("GET", "/_sim/inbound")["accounts"][0]["faxes"]
    assert [str(f["recvid"]) for f in listed] == [recvid]
    assert listed[0]["tsid"] == "ACME <b>FAX</b>" and listed[0]["pagecount"] == 2


def test_an_err01_outage_added_in_the_form_reaches_api_clients_until_removed(
        page: Page, emulator: Emulator) -> None:
    open_live(page, emulator.dashboard)
    form = page.get_by_test_id("fault-form")
    form.get_by_label("Fault").select_option("ERR01")
    form.get_by_role("button", name="Add fault").click()
    faults = page.get_by_test_id("faults-table")
    expect(faults.locator("tr[data-fault]")).to_have_count(1)
    assert emulator.api("status") == catalog.ERR01_DATABASE
    page.get_by_role("button", name="Remove").click()
    expect(faults.locator("tr[data-fault]")).to_have_count(0)
    assert emulator.api("status") == catalog.ERR06_NO_JOBS


def test_html_in_a_tagname_or_recipient_shows_as_text_and_runs_nothing(
        page: Page, emulator: Emulator, dialogs: list[str]) -> None:
    jobid = emulator.sendfax(recipname='<img src=x onerror="alert(2)">', tagname=XSS)
    open_live(page, emulator.dashboard + "jobs")
    expect(page.locator(f'tr[data-jobid="{jobid}"]')).to_contain_text(
        '<img src=x onerror="alert(2)">')
    open_live(page, f"{emulator.dashboard}jobs/{jobid}")
    expect(page.get_by_test_id("tagname")).to_have_text(XSS)
    expect(page.get_by_test_id("destname")).to_have_text('<img src=x onerror="alert(2)">')
    open_live(page, emulator.dashboard + "journal")
    page.locator("tr[data-seq]").first.click()
    expect(page.locator("#detail-fields")).to_contain_text(XSS)
    assert dialogs == []
    assert page.locator("#live script, #live img[src=x]").count() == 0


def test_the_journal_tails_live_and_masks_the_password(page: Page, emulator: Emulator) -> None:
    emulator.control("POST", "/_sim/accounts", {
        "company": "2000", "users": [{"username": "ops", "password": "s3cret-Passw0rd"}]})
    open_live(page, emulator.dashboard + "journal")
    answer = emulator.api("listfax", company="2000", username="ops", password="s3cret-Passw0rd")
    assert answer.startswith("ERR")  # nothing received yet
    row = page.locator("tr[data-seq]").first
    expect(row).to_contain_text("listfax")
    row.click()
    fields = page.locator("#detail-fields")
    expect(fields).to_contain_text('"password": "********"')
    assert "s3cret-Passw0rd" not in page.content()
    expect(page.locator("#detail-answer")).to_have_text(f"HTTP 200\n{answer}")


def test_the_journal_filters_errors_only(page: Page, emulator: Emulator) -> None:
    emulator.api("status")  # ERR06: an error answer
    emulator.sendfax()
    page.goto(emulator.dashboard + "journal?errors=1")
    rows = page.locator("tr[data-seq]")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("status")


def test_a_shipped_scenario_loads_from_the_list_and_reset_empties_it(
        page: Page, emulator: Emulator) -> None:
    emulator.sendfax()
    open_live(page, emulator.dashboard)
    expect(page.get_by_test_id("total-jobs")).to_have_text("1")
    form = page.get_by_test_id("scenario-form")
    names = form.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert names
    form.get_by_label("Shipped scenario").select_option(names[0])
    expect(page.locator("#scenario-description")).not_to_be_empty()
    form.get_by_role("button", name="Load scenario").click()
    expect(page.locator("#flash")).to_have_text(f"load scenario {names[0]}: done")
    assert emulator.control("GET", "/_sim/scenario")["scenario"]["name"] == names[0]
    page.get_by_role("button", name="Reset emulator").click()
    expect(page.locator("#flash")).to_have_text("reset: done")
    expect(page.get_by_test_id("total-jobs")).to_have_text("0")


def test_the_screenshot_tool_photographs_the_overview_and_a_job(tmp_path: Path) -> None:
    """tools/dashboard_screenshots.py makes docs/img/dashboard-*.png (here, into tmp_path)."""
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "dashboard_screenshots.py"),
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    for name in ("dashboard-overview.png", "dashboard-job.png"):
        with Image.open(tmp_path / name) as image:
            assert image.width == 1360 and image.height > 900
            assert len(image.convert("L").getcolors(1 << 16) or []) > 10  # a real page
