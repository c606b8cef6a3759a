"""Screenshots of the dashboard for the docs: docs/img/dashboard-overview.png and
docs/img/dashboard-job.png, taken with headless Debian chromium (Playwright).

    PYTHONPATH=. python tools/dashboard_screenshots.py [OUTDIR]

It starts an emulator (manual clock) on a loopback socket, gives it a small realistic state
(jobs that succeed, retry and fail, a callback receiver that is down, inbound faxes, an
ERR01 fault), and photographs the overview and one job's page. tests/test_dashboard_browser.py
runs it into a temporary directory, so it keeps working.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.dashboard import CHROMIUM, CHROMIUM_ARGS, Emulator  # noqa: E402
from tests.receivers import CallbackReceiver  # noqa: E402

LETTER = (b"ACME Medical Group\n1200 Larimer Street, Denver CO\n\n"
          b"To: Records department\nRe: Referral for patient #48213\n\n"
          b"Please find attached the referral and the signed consent form.\n"
          b"Call us at 303-555-0142 with any questions.\n\nRegards,\nDr. J. Alvarez\n")


def build_state(emulator: Emulator, receiver: CallbackReceiver) -> int:
    """A few minutes of a busy fax network; returns the job to photograph."""
    shown = emulator.sendfax("3039911234", recipname="Records Dept", text=LETTER * 8,
                             tagname="ACME Medical", tagnumber="3035550142",
                             url_notify=receiver.url, em_notify="1")
    emulator.sendfax("2129870003", recipname="Dr. Chen (busy once)", text=LETTER)
    emulator.sendfax("4159870001", recipname="Always busy", text=LETTER,
                     url_notify="http://127.0.0.1:9/unreachable")
    emulator.sendfax("7209870006", recipname="Line drops", text=LETTER)
    emulator.control("POST", "/_sim/inbound", {"did": "3032974100", "pages": 2,
                                               "duration": 0})
    emulator.control("POST", "/_sim/inbound", {"did": "3032974101", "pages": 1,
                                               "duration": 0})
    emulator.control("POST", "/_sim/clock/advance", {"seconds": 1800})
    for _ in range(3):
        emulator.sendfax("3039911234", recipname="Billing", text=LETTER)
    emulator.control("POST", "/_sim/accounts", {"company": "2000"})
    emulator.control("POST", "/_sim/faults", {"fault": {"error": "ERR01", "operation": "sendfax",
                                                        "for": "15m"}, "company": "2000"})
    emulator.api("status")
    return shown


def take(outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    overview, job_page = outdir / "dashboard-overview.png", outdir / "dashboard-job.png"
    with CallbackReceiver() as receiver, Emulator() as emulator, sync_playwright() as pw:
        jobid = build_state(emulator, receiver)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900},
                                    device_scale_factor=1)
            page.goto(emulator.dashboard)
            expect(page.locator("#live-state")).to_have_text("live")
            page.screenshot(path=str(overview), full_page=True)
            page.goto(f"{emulator.dashboard}jobs/{jobid}")
            expect(page.locator("#live-state")).to_have_text("live")
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('img.thumb'))"
                ".every(i => i.complete && i.naturalWidth > 0)")
            page.screenshot(path=str(job_page), full_page=True)
        finally:
            browser.close()
    return [overview, job_page]


def main() -> int:
    outdir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img"
    for path in take(outdir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
