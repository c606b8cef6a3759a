"""The dashboard's server side: pages, paging, escaping, images, downloads, its JSON action,
the live stream, `serve`'s second ready line and `--no-ui`. (The browser tests are in
test_dashboard_browser.py.)"""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.journal import ANSWER_KEPT
from faxage_sim.server.state import AppState
from faxage_sim.ui.stream import LiveHub
from faxage_sim.ui.views import PAGE_SIZE

from .dashboard import Emulator
from .helpers import DEADLINE, FaxApi
from .test_cli_serve import READY, start

UI = "/_sim/ui/"


def test_root_redirects_to_the_dashboard(client: TestClient) -> None:
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code == 307 and answer.headers["location"] == UI
    assert client.get("/_sim/ui", follow_redirects=False).headers["location"] == UI


@pytest.mark.parametrize("path", ["", "jobs", "inbound", "journal"])
def test_every_page_renders_and_has_a_live_region(client: TestClient, path: str) -> None:
    answer = client.get(UI + path)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert '<div id="live" data-live>' in answer.text
    partial = client.get(UI + path, params={"partial": "1"})
    assert partial.status_code == 200 and "<html" not in partial.text
    assert 'data-testid="sim-now"' in partial.text


def test_unknown_pages_and_jobs_answer_404(client: TestClient) -> None:
    assert client.get(UI + "jobs/999999").status_code == 404
    assert client.get(UI + "jobs/abc").status_code == 404
    assert client.get(UI + "nowhere").status_code == 404
    assert client.get(UI + "static/../app.py").status_code == 404
    assert client.get(UI + "jobs/999999/pages/1.png").status_code == 404


def test_the_jobs_page_shows_one_page_of_the_newest_jobs(client: TestClient,
                                                         api: FaxApi) -> None:
    jobids = [api.send_jobid() for _ in range(PAGE_SIZE + 3)]
    first = client.get(UI + "jobs").text
    assert f'data-jobid="{jobids[-1]}"' in first
    assert f'data-jobid="{jobids[3]}"' in first
    assert f'data-jobid="{jobids[2]}"' not in first
    assert f"{PAGE_SIZE + 3} in all · page 1 of 2" in first
    second = client.get(UI + "jobs", params={"page": "2"}).text
    assert [f'data-jobid="{j}"' in second for j in jobids[:4]] == [True, True, True, False]


def test_filters_by_state_and_account(client: TestClient, api: FaxApi) -> None:
    done = api.send_jobid()
    client.post("/_sim/clock/run-until-idle", json={})
    waiting = api.send_jobid()
    text = client.get(UI + "jobs", params={"state": "success"}).text
    assert f'data-jobid="{done}"' in text and f'data-jobid="{waiting}"' not in text
    assert 'data-jobid' not in client.get(UI + "jobs", params={"company": "4242"}).text


def test_values_holding_html_are_escaped(client: TestClient, api: FaxApi) -> None:
    jobid = api.send_jobid(recipname="<script>alert(1)</script>",
                           tagname='"><img src=x onerror=alert(1)>')
    page = client.get(f"{UI}jobs/{jobid}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_jobs_pages_render_as_png_and_its_files_download(client: TestClient,
                                                           api: FaxApi) -> None:
    jobid = api.send_jobid(files={"a.txt": b"one\f", "b.txt": b"two"})
    assert client.get(f"{UI}jobs/{jobid}/pages/1.png").status_code == 404  # not converted
    client.post("/_sim/clock/run-until-idle", json={})
    thumb = client.get(f"{UI}jobs/{jobid}/pages/1.png")
    assert thumb.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.width == 220 and image.height > image.width
        low, high = image.convert("L").getextrema()
        assert low < 128 < high  # ink on paper
    full = client.get(f"{UI}jobs/{jobid}/pages/2.png", params={"size": "full"})
    with Image.open(io.BytesIO(full.content)) as image:
        assert image.width == 1100
    assert client.get(f"{UI}jobs/{jobid}/pages/3.png").status_code == 404
    tiff = client.get(f"{UI}jobs/{jobid}/files/tiff")
    assert tiff.headers["content-disposition"] == f'attachment; filename="job{jobid}.tif"'
    with Image.open(io.BytesIO(tiff.content)) as image:
        assert image.n_frames == 2
    assert client.get(f"{UI}jobs/{jobid}/files/pdf").content.startswith(b"%PDF")
    assert client.get(f"{UI}jobs/{jobid}/files/transmittal").content.startswith(b"%PDF")


def test_a_received_fax_has_page_images_and_its_file(client: TestClient) -> None:
    fax = client.post("/_sim/inbound", json={"did": "3032974100", "pages": 2,
                                             "duration": 0}).json()["fax"]
    image = client.get(f"{UI}inbound/{fax['recvid']}/pages/2.png")
    assert image.headers["content-type"] == "image/png"
    assert client.get(f"{UI}inbound/{fax['recvid']}/pages/3.png").status_code == 404
    assert client.get(f"{UI}inbound/{fax['recvid']}/file").content.startswith(b"%PDF")


def test_next_event_advances_to_the_next_scheduled_transition(client: TestClient,
                                                              api: FaxApi) -> None:
    jobid = api.send_jobid()
    answer = client.post(UI + "api/clock/next", json={})
    assert answer.status_code == 200 and answer.json()["advanced"] > 0
    assert client.get(f"/_sim/jobs/{jobid}").json()["state"] != "Waiting for conversion"


def test_the_dashboards_own_action_takes_json_only(client: TestClient, api: FaxApi) -> None:
    api.send_jobid()  # something to advance to, had the request been taken
    for headers in ({"content-type": "text/plain"},
                    {"content-type": "application/x-www-form-urlencoded"}, {}):
        answer = client.post(UI + "api/clock/next", content=b"{}", headers=headers)
        # 415 from the endpoint itself; the control-plane guard (issue 14), which wraps every
        # /_sim/ path, may refuse it first with its own status and one-line error.
        assert answer.status_code in (403, 415) and "error" in answer.json()
    assert client.get("/_sim/jobs").json()["jobs"][0]["state"] == "Waiting for conversion"


def test_a_journal_entry_shows_with_the_password_masked(client: TestClient,
                                                        api: FaxApi) -> None:
    api.call("status")
    seq = client.get("/_sim/requests").json()["requests"][0]["seq"]
    detail = client.get(f"{UI}api/requests/{seq}").json()
    assert detail["fields"]["password"] == "********"
    assert detail["answer"] == "ERR06: No jobs to display or job id specified not found"
    assert client.get(f"{UI}api/requests/99999").status_code == 404


def test_a_journal_entry_keeps_the_whole_answer_up_to_its_limit(client: TestClient,
                                                                api: FaxApi) -> None:
    api.send_jobid()
    api.send_jobid()
    status = api.call("status")
    assert status.count("\n") == 2  # two records
    seq = client.get("/_sim/requests").json()["requests"][-1]["seq"]
    assert client.get(f"{UI}api/requests/{seq}").json()["answer"] == status
    for _ in range(30):
        api.send_jobid()
    status = api.call("status")
    assert len(status) > ANSWER_KEPT
    entry = client.get("/_sim/requests").json()["requests"][-1]
    assert "answer" not in entry  # /_sim/requests is unchanged
    assert client.get(f"{UI}api/requests/{entry['seq']}").json()["answer"] == \
        status[:ANSWER_KEPT]
    client.post("/_sim/clock/run-until-idle", json={})
    api.post("dlstatus", jobid="100001")
    seq = client.get("/_sim/requests").json()["requests"][-1]["seq"]
    answer = client.get(f"{UI}api/requests/{seq}").json()["answer"]
    assert answer.startswith("<") and answer.endswith(" bytes: job100001.tif>")  # a file


def test_the_live_stream_sends_one_coalesced_change_per_burst(state: AppState,
                                                              api: FaxApi) -> None:
    async def listen() -> list[str]:
        hub = LiveHub(state)
        stream = hub.messages()
        hello = await anext(stream)
        for _ in range(20):  # a burst of events between two messages...
            state.sim.emit("scenario.note", 0.0, "1000", "a note")
        change = await anext(stream)  # ...is one change message
        state.sim.emit("job.submitted", 0.0, "1000", "a job")
        following = await anext(stream)
        hub.close()
        with pytest.raises(StopAsyncIteration):
            await anext(stream)
        assert state.sim.bus._observers.count(hub._event) == 0  # unsubscribed at the end
        return [hello, change, following]

    hello, change, following = asyncio.run(listen())
    assert hello.startswith("retry: 1000\nevent: hello\n")
    assert change == 'event: change\ndata: {"v": 1, "kinds": ["scenario.note"]}\n\n'
    assert following == 'event: change\ndata: {"v": 2, "kinds": ["job.submitted"]}\n\n'


def test_the_live_stream_tells_of_journaled_requests_over_http() -> None:
    with Emulator() as emulator, httpx.Client(base_url=emulator.url, timeout=DEADLINE) as browser, \
            browser.stream("GET", UI + "events") as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        lines = events.iter_lines()
        assert [next(lines), next(lines)] == ["retry: 1000", "event: hello"]
        next(lines), next(lines)  # its data line and the blank line
        emulator.api("status")
        assert next(lines) == "event: change"
        data = json.loads(next(lines).removeprefix("data: "))
        assert "request" in data["kinds"]


@pytest.fixture
def no_ui_client() -> Iterator[TestClient]:
    app = create_app(SimConfig(clock=ClockMode.MANUAL, ui=False))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


def test_without_the_ui_nothing_is_served_there(no_ui_client: TestClient) -> None:
    assert no_ui_client.get("/").status_code == 404
    answer = no_ui_client.get(UI)
    assert answer.status_code == 404


def served_lines(*args: str) -> tuple[list[str], subprocess.Popen[str]]:
    process = start("--clock", "manual", "--quiet", *args)
    assert process.stdout is not None
    lines = [process.stdout.readline()]
    if "--no-ui" not in args:
        lines.append(process.stdout.readline())
    return lines, process


def test_serve_names_the_dashboard_on_a_second_line() -> None:
    lines, process = served_lines()
    try:
        match = READY.match(lines[0])
        assert match, lines
        url = match.group(1)
        assert lines[1] == f"faxage-sim dashboard: {url}/_sim/ui/\n"
        page = httpx.get(url + "/", follow_redirects=True)
        assert page.status_code == 200 and page.url == url + "/_sim/ui/"
    finally:
        process.terminate()
        assert process.wait(timeout=DEADLINE) == 0


def test_serve_with_no_ui_has_only_the_ready_line_and_no_dashboard() -> None:
    lines, process = served_lines("--no-ui")
    try:
        match = READY.match(lines[0])
        assert match, lines
        assert httpx.get(match.group(1) + "/_sim/ui/").status_code == 404
    finally:
        process.terminate()
        assert process.wait(timeout=DEADLINE) == 0
        assert process.stdout is not None
        assert process.stdout.read() == ""  # no dashboard line


def test_stopping_serve_ends_open_live_streams() -> None:
    lines, process = served_lines()
    url = lines[1].removeprefix("faxage-sim dashboard: ").strip()
    with httpx.Client(timeout=DEADLINE) as browser, browser.stream("GET", url + "events") as events:
        assert next(events.iter_lines()) == "retry: 1000"
        process.terminate()
        assert process.wait(timeout=DEADLINE) == 0  # not held open by the stream


def test_only_get_on_root_redirects(client: TestClient) -> None:
    for method in ("POST", "PUT", "DELETE"):
        answer = client.request(method, "/", follow_redirects=False)
        assert (answer.status_code, answer.text) == (404, "Not Found")


def test_pages_change_state_only_through_json_fetches_and_never_write_html() -> None:
    """No HTML form posts (a cross-site page could forge those); the script writes data
    with textContent only, never innerHTML/outerHTML/document.write."""
    from importlib import resources

    package = resources.files("faxage_sim.ui")
    templates = [t for t in package.joinpath("templates").iterdir() if t.name.endswith(".html")]
    assert len(templates) >= 10
    for template in templates:
        text = template.read_text().lower()
        assert 'method="post"' not in text and "method=post" not in text, template.name
        assert "onclick=" not in text and "<script>" not in text, template.name
    script = package.joinpath("static", "dashboard.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script
    assert script.count('"Content-Type": "application/json"') == 1  # the one send()
