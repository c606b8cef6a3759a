"""The plain-Python API: `faxage_sim.simulator()`, `EmbeddedSimulator`, `connect()`, TLS."""

from __future__ import annotations

import base64
import socket
import ssl
import threading
import unittest
from pathlib import Path

import httpx
import pytest

import faxage_sim
from faxage_sim.embedded import EmbeddedSimulator
from faxage_sim.handle import SimError, SimHandle

HELLO = base64.b64encode(b"Hello, fax!\n").decode()


def sendfax(client: httpx.Client, sim: SimHandle) -> str:
    return client.post(sim.httpsfax_url, data={
        **sim.credentials, "operation": "sendfax", "recipname": "Alice",
        "faxno": "3039911234", "faxfilenames[]": "a.txt", "faxfiledata[]": HELLO}).text


def simulator_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "faxage-sim"]


def test_simulator_context_manager_starts_and_stops_everything() -> None:
    before = len(simulator_threads())
    with faxage_sim.simulator() as sim:
        assert len(simulator_threads()) == before + 1
        with httpx.Client() as client:
            answer = sendfax(client, sim)
        jobid = int(answer.removeprefix("JOBID: "))
        sim.advance_until_idle()
        assert sim.job(jobid)["shortstatus"] == "success"
        url = sim.url
    assert len(simulator_threads()) == before
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/_sim/health", timeout=5)


def test_accepted_connections_have_tcp_nodelay() -> None:
    """Without it every small answer would wait for Nagle's algorithm and delayed ACKs."""
    with EmbeddedSimulator() as server, httpx.Client() as client:
        url = server.listen()
        assert client.get(url + "/_sim/health").status_code == 200  # the connection stays

        async def nodelay_flags() -> list[int]:
            assert server._server is not None
            return [c.transport.get_extra_info("socket").getsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY)
                for c in server._server.server_state.connections]

        flags = server.bridge.run(nodelay_flags())
        assert len(flags) == 1 and flags[0] != 0


def test_in_process_simulator_has_no_socket() -> None:
    with faxage_sim.simulator(in_process=True) as sim, sim.client() as client:
        assert sim.url == "http://faxage-sim.test"
        assert sendfax(client, sim).startswith("JOBID: ")
        sim.assert_called("sendfax", times=1)


def test_https_is_verified_against_the_printed_ca_bundle() -> None:
    with faxage_sim.simulator(tls=True) as sim:
        assert sim.url.startswith("https://127.0.0.1:") and sim.ca_bundle is not None
        bundle = Path(sim.ca_bundle)
        assert bundle.read_text().startswith("-----BEGIN CERTIFICATE-----")
        trusting = ssl.create_default_context(cafile=sim.ca_bundle)
        with httpx.Client(verify=trusting) as client:
            assert sendfax(client, sim).startswith("JOBID: ")
            # The certificate names localhost as well as 127.0.0.1.
            port = sim.url.rsplit(":", 1)[1]
            health = client.get(f"https://localhost:{port}/_sim/health")
            assert health.json()["status"] == "ok"
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"), \
                httpx.Client() as untrusting:
            untrusting.get(sim.url + "/_sim/health")
    assert not bundle.exists()  # a throw-away CA leaves nothing behind


def test_connect_makes_an_account_on_a_server_started_elsewhere() -> None:
    with EmbeddedSimulator() as server:
        url = server.listen()
        with faxage_sim.connect(url) as remote, httpx.Client() as client:
            assert remote.url == url and remote.transport is None
            assert sendfax(client, remote).startswith("JOBID: ")
            remote.advance(3600)
            assert [j["shortstatus"] for j in remote.jobs()] == ["success"]
            company = remote.company
        assert server.control.request("GET", f"/_sim/accounts/{company}")[0] == 404
    with pytest.raises(httpx.ConnectError):
        faxage_sim.connect(url)


def test_start_and_stop_are_idempotent_and_a_stopped_simulator_says_so() -> None:
    server = EmbeddedSimulator()
    assert server.start() is server.start()
    assert server.listen() == server.listen()
    handle = server.new_account()
    server.stop()
    server.stop()
    handle.close()  # the account went with the simulator: nothing to do, no error
    with pytest.raises(RuntimeError, match="not running"):
        server.new_account()


def test_an_account_whose_scenario_fails_to_load_is_removed_again() -> None:
    with EmbeddedSimulator() as server:
        before = server.control.request("GET", "/_sim/accounts")
        with pytest.raises(SimError) as caught:
            server.new_account(in_process=True, scenario={"rules": "busy"})
        assert caught.value.status == 400
        assert caught.value.message.startswith("the scenario has 1 problem(s): ")
        assert server.control.request("GET", "/_sim/accounts") == before


class UnittestUsage(unittest.TestCase):
    """The same API from unittest: one emulator per class, one account per test."""

    server: EmbeddedSimulator

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = EmbeddedSimulator().start()
        cls.addClassCleanup(cls.server.stop)

    def setUp(self) -> None:
        self.sim = self.server.new_account()
        self.addCleanup(self.sim.close)

    def test_accounts_are_fresh(self) -> None:
        self.assertEqual(self.sim.jobs(), [])
        with httpx.Client() as client:
            self.assertTrue(sendfax(client, self.sim).startswith("JOBID: "))
        self.assertEqual(len(self.sim.jobs()), 1)

    def test_and_isolated(self) -> None:
        self.assertEqual(self.sim.jobs(), [])
