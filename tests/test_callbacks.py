"""url_notify: real HTTP to a real receiver, recorded attempts, retries on the simulated clock."""

from __future__ import annotations

import threading
import time

import httpx
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .helpers import CREDENTIALS, DEADLINE, FaxApi, b64
from .live import LiveServer
from .receivers import CallbackReceiver


def test_callback_posts_the_status_fields_when_the_job_completes(
        api: FaxApi, receiver: CallbackReceiver) -> None:
    jobid = api.send_jobid("3039911234", recipname="Bob", url_notify=receiver.url)
    api.advance(81)
    assert receiver.received == []
    api.advance(1)
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.path == "/callback"
    assert got.content_type == "application/x-www-form-urlencoded"
    assert got.fields == {
        "jobid": str(jobid), "commid": "5000001", "destname": "Bob", "destnum": "3039911234",
        "shortstatus": "success", "longstatus": "Success", "sendtime": "2026-01-05 09:00:00",
        "completetime": "2026-01-05 09:01:22", "xmittime": "00:00:35", "pagecount": "1",
        "xmitpages": "1",
    }


def test_failures_call_back_too(api: FaxApi, receiver: CallbackReceiver) -> None:
    jobid = api.send_jobid("3039910002", url_notify=receiver.url)
    api.advance(3600)
    assert [(r.fields["jobid"], r.fields["shortstatus"], r.fields["longstatus"])
            for r in receiver.received] == [
        (str(jobid), "failure", "No answer from remote; too many attempts to dial")]


def test_every_attempt_is_recorded(api: FaxApi, client: TestClient,
                                   receiver: CallbackReceiver) -> None:
    jobid = api.send_jobid(url_notify=receiver.url)
    api.advance(3600)
    callbacks = client.get("/_sim/callbacks", params={"company": "1000"}).json()["callbacks"]
    assert len(callbacks) == 1
    delivery = callbacks[0]
    assert (delivery["kind"], delivery["ref"], delivery["url"], delivery["state"]) == (
        "job", jobid, receiver.url, "delivered")
    assert delivery["fields"] == receiver.received[0].fields
    [attempt] = delivery["attempts"]
    assert (attempt["attempt"], attempt["at"], attempt["status"], attempt["error"]) == (
        1, "2026-01-05T16:01:22+00:00", 200, None)
    assert attempt["duration_ms"] > 0


def test_one_attempt_by_default_like_the_real_service(
        api: FaxApi, client: TestClient, receiver: CallbackReceiver) -> None:
    receiver.status = 503
    api.send_jobid(url_notify=receiver.url)
    api.advance(86400)
    [delivery] = client.get("/_sim/callbacks").json()["callbacks"]
    assert delivery["state"] == "failed"
    assert [a["status"] for a in delivery["attempts"]] == [503]
    assert len(receiver.received) == 1


def test_retry_policy_retries_with_backoff_on_the_simulated_clock(
        api: FaxApi, client: TestClient, receiver: CallbackReceiver) -> None:
    policy = {"attempts": 4, "backoff_seconds": 60, "backoff_factor": 2}
    assert client.put("/_sim/accounts/1000", json={"callback_policy": policy}).status_code == 200
    receiver.status = 500
    api.send_jobid(url_notify=receiver.url)
    api.advance(82 + 60 + 120)  # completion, then two retries 60 s and 120 s later
    [delivery] = client.get("/_sim/callbacks").json()["callbacks"]
    assert [a["at"][11:19] for a in delivery["attempts"]] == ["16:01:22", "16:02:22", "16:04:22"]
    assert delivery["state"] == "scheduled"
    receiver.status = 200
    api.advance(240)
    [delivery] = client.get("/_sim/callbacks").json()["callbacks"]
    assert [a["status"] for a in delivery["attempts"]] == [500, 500, 500, 200]
    assert delivery["state"] == "delivered"
    assert len(receiver.received) == 4


def test_an_unreachable_receiver_is_recorded_and_breaks_nothing(
        api: FaxApi, client: TestClient) -> None:
    with CallbackReceiver() as gone:
        url = gone.url
    jobid = api.send_jobid(url_notify=url)
    api.advance(3600)
    [delivery] = client.get("/_sim/callbacks").json()["callbacks"]
    assert delivery["state"] == "failed"
    assert delivery["attempts"][0]["status"] is None
    assert delivery["attempts"][0]["error"].startswith("ConnectError")
    assert api.status_fields(jobid)[4] == "success"


def test_a_hanging_receiver_never_holds_up_api_answers_or_the_clock() -> None:
    release = threading.Event()
    arrived = threading.Event()
    with CallbackReceiver() as receiver:
        original = receiver.server.RequestHandlerClass.do_POST  # type: ignore[attr-defined]

        def slow_post(handler: object) -> None:
            arrived.set()
            release.wait(120)
            original(handler)

        receiver.server.RequestHandlerClass.do_POST = slow_post  # type: ignore[attr-defined]
        app = create_app(SimConfig(clock=ClockMode.MANUAL))
        with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=60) as http:
            policy = {"timeout_seconds": 300}
            assert http.put("/_sim/accounts/1000",
                            json={"callback_policy": policy}).status_code == 200
            form = {**CREDENTIALS, "operation": "sendfax", "faxno": "3039911234",
                    "recipname": "A", "faxfilenames[]": "a.txt", "faxfiledata[]": b64(b"x"),
                    "url_notify": receiver.url}
            jobid = http.post("/httpsfax.php", data=form).text.removeprefix("JOBID: ")
            # The advance returns although the receiver holds the callback (it waits for
            # deliveries a bounded time, state.SETTLE_WAIT_SECONDS), and the API answers.
            assert http.post("/_sim/clock/advance", json={"seconds": 3600}).status_code == 200
            assert arrived.wait(60), "the callback never reached the receiver"
            for _ in range(5):
                answer = http.post("/httpsfax.php", data={**CREDENTIALS, "operation": "status",
                                                          "jobid": jobid}).text
                assert answer.split("\t")[4] == "success"
            [delivery] = http.get("/_sim/callbacks").json()["callbacks"]
            assert delivery["state"] == "in-flight" and not release.is_set()
            release.set()
            deadline = time.monotonic() + DEADLINE
            while delivery["state"] == "in-flight" and time.monotonic() < deadline:
                time.sleep(0.02)
                [delivery] = http.get("/_sim/callbacks").json()["callbacks"]
            assert delivery["state"] == "delivered"


def test_a_timed_out_attempt_is_recorded_as_maybe_received(
        api: FaxApi, client: TestClient) -> None:
    arrived, release, handled = threading.Event(), threading.Event(), threading.Event()
    with CallbackReceiver() as receiver:
        original = receiver.server.RequestHandlerClass.do_POST  # type: ignore[attr-defined]

        def held_post(handler: object) -> None:
            arrived.set()
            release.wait(DEADLINE)
            try:
                original(handler)  # the emulator has hung up: answering it may fail
            finally:
                handled.set()

        receiver.server.RequestHandlerClass.do_POST = held_post  # type: ignore[attr-defined]
        policy = {"attempts": 1, "timeout_seconds": 2.0}
        assert client.put("/_sim/accounts/1000",
                          json={"callback_policy": policy}).status_code == 200
        api.send_jobid(url_notify=receiver.url)
        api.advance(3600)
        assert arrived.wait(DEADLINE)
        deadline = time.monotonic() + DEADLINE
        while (delivery := client.get("/_sim/callbacks").json()["callbacks"][0])["state"] \
                == "in-flight" and time.monotonic() < deadline:
            time.sleep(0.02)  # the attempt ends by its timeout, the receiver still holding it
        release.set()
        assert handled.wait(DEADLINE)
        assert delivery["state"] == "timed out (may have been received)"
        [attempt] = delivery["attempts"]
        assert (attempt["status"], attempt["error"]) == (
            None, "timed out (may have been received)")
    # The receiver did get it (its server finished the request before closing).
    assert len(receiver.received) == 1
