"""Background inbound traffic: a steady rate per account, reproducible from the seed."""

from __future__ import annotations

import subprocess
import sys

from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.core.inbound import DEFAULT_REALTIME_RATE_PER_HOUR
from faxage_sim.core.inbound_traffic import PAGE_COUNTS
from faxage_sim.core.numbering import is_blocked
from faxage_sim.core.simulator import Simulator, SimulatorOptions
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .helpers import FaxApi


def _traffic_run(seed: int, hours: float = 2) -> tuple[str, str]:
    """listfax (every column) and busycalls after `hours` of 60 faxes an hour."""
    app = create_app(SimConfig(clock=ClockMode.MANUAL, seed=seed))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        api = FaxApi(client)
        response = client.put("/_sim/accounts/1000", json={"inbound_rate_per_hour": 60})
        assert response.status_code == 200
        api.advance(hours * 3600)
        listing = api.call("listfax", idasc="1", starttime="1", pagecount="1", showtsid="1")
        return listing, api.call("busycalls")


def test_the_default_account_is_quiet_on_a_manual_clock(client: TestClient,
                                                         api: FaxApi) -> None:
    settings = client.get("/_sim/accounts/1000").json()["settings"]
    assert settings["inbound_rate_per_hour"] == 0
    api.advance(86400)
    assert api.call("listfax") == "ERR11: No incoming faxes available"


def test_faxes_arrive_at_the_rate_with_plausible_senders(client: TestClient,
                                                         api: FaxApi) -> None:
    assert client.put("/_sim/accounts/1000",
                      json={"inbound_rate_per_hour": 60}).status_code == 200
    api.advance(2 * 3600)
    listing = api.call("listfax", idasc="1", pagecount="1", showtsid="1")
    records = [line.split("\t") for line in listing.splitlines()]
    busy = api.call("busycalls").splitlines()
    # A Poisson process of 120 expected arrivals; this many or fewer is vanishingly rare.
    assert 70 < len(records) + len(busy) < 170
    ids = [int(r[0]) for r in records]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for _recvid, _recvdate, cid, dnis, pages, tsid in records:
        assert dnis in ("(303)297-4100", "(303)297-4101")
        digits = cid.replace("(", "").replace(")", "").replace("-", "")
        assert cid == "Unavailable" or (len(digits) == 10 and not is_blocked(digits)), cid
        assert int(pages) in PAGE_COUNTS
        assert len(tsid) <= 20
    assert any(r[2] == "Unavailable" for r in records)
    assert len({r[5] for r in records}) > 10  # many different senders


def test_the_same_seed_replays_the_same_traffic() -> None:
    first = _traffic_run(seed=7)
    assert first[0].count("\n") > 50
    assert _traffic_run(seed=7) == first
    assert _traffic_run(seed=8) != first


def test_changing_the_rate_starts_and_stops_traffic(client: TestClient, api: FaxApi) -> None:
    assert client.put("/_sim/accounts/1000",
                      json={"inbound_rate_per_hour": 120}).status_code == 200
    api.advance(1800)
    arrived = api.call("handlecount")
    assert int(arrived.split("~")[0]) > 0
    client.put("/_sim/accounts/1000", json={"inbound_rate_per_hour": 0})
    api.advance(600)  # calls already answered end; nothing new rings
    settled = api.call("handlecount")
    api.advance(86400)
    assert api.call("handlecount") == settled
    assert api.call("incomingcalls") == "0~4"


def test_a_new_account_can_start_with_traffic(client: TestClient) -> None:
    response = client.post("/_sim/accounts", json={
        "company": "5000", "settings": {"inbound_rate_per_hour": 120}})
    assert response.status_code == 201
    api = FaxApi(client, {"username": "demo", "company": "5000", "password": "demo"})
    api.advance(3600, company="5000")
    assert api.call("listfax", idasc="1").count("\n") > 30


def test_the_default_account_has_gentle_traffic_on_a_realtime_clock() -> None:
    sim = Simulator(SimulatorOptions(clock_mode=ClockMode.REALTIME, seed=3))
    account = sim.accounts["1000"]
    assert account.settings.inbound_rate_per_hour == DEFAULT_REALTIME_RATE_PER_HOUR
    assert sim.next_due() is not None  # the first arrival is on the clock
    sim.advance(6 * 3600)
    assert len(account.inbox) + len(account.inbox.busy_calls) > 20
    other = sim.create_account("2000")
    assert other.settings.inbound_rate_per_hour == 0


def test_reset_forgets_faxes_and_restarts_recvids(client: TestClient, api: FaxApi) -> None:
    client.post("/_sim/inbound", json={"did": "3032974100", "duration": 0})
    assert api.call("listfax").startswith("400001\t")
    assert client.post("/_sim/reset", json={}).status_code == 200
    assert api.call("listfax") == "ERR11: No incoming faxes available"
    client.post("/_sim/inbound", json={"did": "3032974100", "duration": 0})
    assert api.call("listfax").startswith("400001\t")


def test_starting_a_realtime_simulator_does_not_import_faker() -> None:
    code = ("import sys\n"
            "from faxage_sim.server.app import create_app\n"
            "from faxage_sim.server.config import SimConfig\n"
            "create_app(SimConfig())\n"
            "assert 'faker' not in sys.modules, 'faker imported at start-up'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
