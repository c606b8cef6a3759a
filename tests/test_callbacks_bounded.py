"""A receiver is a peer: one that drips, never ends its answer or sends a gigabyte costs its
own delivery (recorded, retried by policy), never the clock, the memory, or another request."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from faxage_sim.notify.callbacks import MAX_ANSWER_BYTES
from faxage_sim.server.state import SETTLE_WAIT_SECONDS

from .helpers import FaxApi
from .inbound_helpers import DID_A, fax_arrives
from .receivers import HostilePeer, ScriptedPeer

GENEROUS = 60.0  # seconds a condition may take on a loaded machine before the test fails


def eventually(check: Callable[[], Any], what: str) -> Any:
    """Poll `check` until it returns something true (a generous deadline, never a fixed sleep)."""
    deadline = time.monotonic() + GENEROUS
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def set_policy(client: TestClient, **policy: float) -> None:
    answer = client.put("/_sim/accounts/1000", json={"callback_policy": policy})
    assert answer.status_code == 200, answer.text


def deliveries(client: TestClient) -> list[dict[str, Any]]:
    callbacks: list[dict[str, Any]] = client.get("/_sim/callbacks").json()["callbacks"]
    return callbacks


def settled_delivery(client: TestClient) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        found = deliveries(client)
        return found[0] if found and found[0]["state"] not in ("in-flight", "scheduled") \
            else None
    settled: dict[str, Any] = eventually(done, "the delivery ended")
    return settled


def test_a_dripping_receiver_times_out_on_the_total_deadline(
        api: FaxApi, client: TestClient) -> None:
    # One byte every 0.2 s: each read is quick, so only a total deadline ends the attempt.
    with HostilePeer("drip", interval=0.2) as peer:
        set_policy(client, attempts=1, timeout_seconds=1.0)
        api.send_jobid(url_notify=peer.url)
        api.advance(3600)
        delivery = settled_delivery(client)
    assert delivery["state"] == "timed out (may have been received)"
    [attempt] = delivery["attempts"]
    assert (attempt["status"], attempt["error"]) == (None, "timed out (may have been received)")
    assert 1000 <= attempt["duration_ms"] < 1000 + GENEROUS * 1000 / 4
    assert peer.requests == 1


def test_a_dripping_receiver_is_retried_by_policy(api: FaxApi, client: TestClient) -> None:
    with HostilePeer("drip", interval=0.2) as peer:
        set_policy(client, attempts=3, backoff_seconds=60, timeout_seconds=0.5)
        api.send_jobid(url_notify=peer.url)
        api.advance(3600)
        eventually(lambda: len(deliveries(client)[0]["attempts"]) == 3, "three attempts")
        delivery = settled_delivery(client)
    assert delivery["state"] == "timed out (may have been received)"
    assert [a["at"][11:19] for a in delivery["attempts"]] == ["16:01:22", "16:02:22", "16:04:22"]
    assert peer.requests == 3


def test_a_slow_receiver_never_holds_the_clock_or_the_api(
        api: FaxApi, client: TestClient) -> None:
    with HostilePeer("drip", interval=1.0) as peer:
        set_policy(client, attempts=1, timeout_seconds=300)
        jobid = api.send_jobid(url_notify=peer.url)
        started = time.monotonic()
        api.advance(3600)
        waited = time.monotonic() - started
        # The advance waited for the delivery at most SETTLE_WAIT_SECONDS (plus the machine's
        # load), not for the 300 s the policy gives the receiver.
        assert waited < SETTLE_WAIT_SECONDS + GENEROUS / 2
        [delivery] = deliveries(client)
        assert delivery["state"] == "in-flight"
        assert api.status_fields(jobid)[4] == "success"
        api.advance(60)  # the clock moves on while the delivery is still in flight
    # The receiver went away: the attempt ends and is recorded, still as this delivery's.
    delivery = settled_delivery(client)
    assert delivery["state"] == "failed"
    assert delivery["attempts"][0]["status"] is None


def test_an_endless_answer_is_read_only_a_few_kib(api: FaxApi, client: TestClient) -> None:
    with HostilePeer("endless") as peer:
        set_policy(client, attempts=1, timeout_seconds=30)
        api.send_jobid(url_notify=peer.url)
        api.advance(3600)
        delivery = settled_delivery(client)
        assert peer.closed.wait(GENEROUS), "the emulator never hung up"
    # The status line decides; the body was cut after MAX_ANSWER_BYTES and the connection shut.
    assert delivery["state"] == "delivered"
    assert [(a["status"], a["error"]) for a in delivery["attempts"]] == [(200, None)]
    assert MAX_ANSWER_BYTES <= 4096
    # What the peer wrote before its writes failed: the kernel's socket buffers, no more.
    assert peer.sent[0] < 64 * 1024 * 1024


def test_a_huge_answer_is_read_only_a_few_kib(api: FaxApi, client: TestClient) -> None:
    with HostilePeer("huge") as peer:
        set_policy(client, attempts=1, timeout_seconds=30)
        api.send_jobid(url_notify=peer.url)
        api.advance(3600)
        delivery = settled_delivery(client)
        assert peer.closed.wait(GENEROUS), "the emulator never hung up"
    assert delivery["state"] == "delivered"
    assert peer.sent[0] < 64 * 1024 * 1024


def test_a_dripping_inbound_push_costs_only_its_own_delivery(
        api: FaxApi, client: TestClient) -> None:
    with HostilePeer("drip", interval=0.2) as peer:
        set_policy(client, attempts=1, timeout_seconds=1.0)
        answer = client.put("/_sim/accounts/1000", json={"inbound_url": peer.url})
        assert answer.status_code == 200, answer.text
        fax_arrives(client, DID_A, pages=1)
        api.advance(3600)
        delivery = settled_delivery(client)
    assert delivery["kind"] == "inbound"
    assert delivery["state"] == "timed out (may have been received)"


heads = st.one_of(
    st.builds(lambda status, headers: (f"HTTP/1.1 {status} X\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers) + "\r\n").encode(),
        st.integers(100, 999),
        st.lists(st.tuples(st.sampled_from(["x-a", "content-type", "content-length",
                                            "transfer-encoding", "connection"]),
                           st.sampled_from(["0", "5", "chunked", "close", "10000000",
                                            "-1", "text/html"])), max_size=4)),
    st.binary(max_size=64),  # not HTTP at all
)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(head=heads, body_bytes=st.none() | st.integers(0, 4_000_000),
       chunk=st.sampled_from([1, 1024, 65536]), interval=st.sampled_from([0.0, 0.05]))
def test_any_peer_answer_ends_its_attempt_within_the_deadline(
        api: FaxApi, client: TestClient, head: bytes, body_bytes: int | None, chunk: int,
        interval: float) -> None:
    """Generated receivers (any status line or none, any framing, a drip, an endless or a
    large body): the attempt always ends by its total deadline and is recorded."""
    assert client.post("/_sim/reset", json={}).status_code == 200
    assert deliveries(client) == []  # each example starts afresh
    with ScriptedPeer(head, body_bytes, chunk, interval) as peer:
        set_policy(client, attempts=1, timeout_seconds=0.5)
        api.send_jobid(url_notify=peer.url)
        api.advance(3600)
        delivery = settled_delivery(client)
    [attempt] = delivery["attempts"]
    assert attempt["duration_ms"] < 500 + GENEROUS * 1000 / 4
    assert delivery["state"] in ("delivered", "failed", "timed out (may have been received)")
    status = attempt["status"]
    assert (delivery["state"] == "delivered") == (status is not None and 200 <= status < 300)


# --- run until idle: idle means no event left and nothing in flight -----------------------


def run_until_idle(client: TestClient) -> dict[str, Any]:
    answer = client.post("/_sim/clock/run-until-idle", json={"company": "1000"})
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def test_run_until_idle_is_not_idle_while_a_delivery_is_in_flight(
        api: FaxApi, client: TestClient) -> None:
    with HostilePeer("drip", interval=1.0) as peer:
        set_policy(client, attempts=1, timeout_seconds=300)
        api.send_jobid(url_notify=peer.url)
        started = time.monotonic()
        busy = run_until_idle(client)
        # It waited for the receiver SETTLE_WAIT_SECONDS (not its 300 s), then said so.
        assert time.monotonic() - started < SETTLE_WAIT_SECONDS + GENEROUS / 2
        assert (busy["idle"], busy["in_flight"]) == (False, 1)
        assert [d["state"] for d in deliveries(client)] == ["in-flight"]
        assert peer.requests == 1
        # The dashboard's "next event" button judges idle the same way.
        assert dashboard_next(client) == {"advanced": 0.0, "in_flight": 1, "idle": False}
    # The receiver went away: its attempt ends; now the run is idle.
    settled_delivery(client)
    done = run_until_idle(client)
    assert (done["idle"], done["in_flight"]) == (True, 0)
    assert dashboard_next(client) == {"advanced": 0.0, "in_flight": 0, "idle": True}


def dashboard_next(client: TestClient) -> Any:
    answer = client.post("/_sim/ui/api/clock/next", json={})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_run_until_idle_waits_for_a_slow_delivery_within_the_wait(
        api: FaxApi, client: TestClient) -> None:
    # A drip ended by its own total deadline (0.5 s) within the run's wait: idle, recorded.
    with HostilePeer("drip", interval=0.2) as peer:
        set_policy(client, attempts=1, timeout_seconds=0.5)
        api.send_jobid(url_notify=peer.url)
        done = run_until_idle(client)
        assert (done["idle"], done["in_flight"]) == (True, 0)
        assert [d["state"] for d in deliveries(client)] == ["timed out (may have been received)"]
