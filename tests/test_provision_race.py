"""Two accounts racing for the same numbers over real sockets: exactly one wins each."""

from __future__ import annotations

import threading
from collections import Counter

import httpx

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .helpers import DEADLINE
from .live import LiveServer

ACCOUNTS = {
    "1000": {"username": "demo", "company": "1000", "password": "demo"},
    "2000": {"username": "ops", "company": "2000", "password": "pw"},
}
CLIENTS_PER_ACCOUNT = 3


def test_of_two_accounts_racing_for_a_number_exactly_one_gets_it() -> None:
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as control:
        created = control.post("/_sim/accounts", json={
            "company": "2000", "dids": [], "users": [{"username": "ops", "password": "pw"}]})
        assert created.status_code == 201, created.text
        listed = control.post("/provision.php", data={**ACCOUNTS["1000"],
                                                      "operation": "listdids", "ac": "303"})
        numbers = listed.text.splitlines()[:8]
        assert len(numbers) == 8

        start = threading.Barrier(len(ACCOUNTS) * CLIENTS_PER_ACCOUNT)
        answers: list[tuple[str, str, str]] = []  # (company, number, answer)
        lock = threading.Lock()

        def racer(company: str) -> None:
            with httpx.Client(base_url=server.url) as client:
                start.wait(timeout=DEADLINE)
                for number in numbers:
                    response = client.post("/provision.php", data={
                        **ACCOUNTS[company], "operation": "provdid", "didnumber": number})
                    assert response.status_code == 200
                    with lock:
                        answers.append((company, number, response.text))

        threads = [threading.Thread(target=racer, args=(company,))
                   for company in ACCOUNTS for _ in range(CLIENTS_PER_ACCOUNT)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=DEADLINE)
        assert not any(t.is_alive() for t in threads)

        assert len(answers) == len(numbers) * len(threads)
        wins = Counter(number for _, number, text in answers if text == f"{number} provisioned")
        assert wins == Counter({number: 1 for number in numbers})
        for company, number, text in answers:
            assert text in (f"{number} provisioned",
                            f"ERR05: {number} does not appear to be available"), (company, text)

        winners = {number: company for company, number, text in answers
                   if text == f"{number} provisioned"}
        owned = {company: control.get(f"/_sim/accounts/{company}").json()["dids"]
                 for company in ACCOUNTS}
        for number, company in winners.items():
            assert number in owned[company]
            assert all(number not in dids for other, dids in owned.items() if other != company)
        remaining = control.post("/provision.php", data={
            **ACCOUNTS["2000"], "operation": "listdids", "ac": "303"}).text.splitlines()
        assert not set(numbers) & set(remaining)
