# examples/test_in_process.py
import pytest
from faxclient import FaxageClient


@pytest.mark.faxage_sim(settings={"outbound_lines": 1})
def test_one_line_sends_one_fax_at_a_time(faxage_sim_asgi):
    sim = faxage_sim_asgi  # reached through sim.transport: no socket at all
    with FaxageClient(sim.httpsfax_url, **sim.credentials, transport=sim.transport) as client:
        first = client.send("3039911234", "a.txt", b"First")
        second = client.send("3039911235", "b.txt", b"Second")

        sim.advance(60)  # converted; the only line is busy with the first fax

        assert client.status(first) == ("pending", "Transmitting")
        assert client.status(second) == ("pending", "In Queue")
        sim.advance_until_idle()
        assert client.status(second) == ("success", "Success")
