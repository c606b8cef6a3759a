"""Wire faults reach an in-process (ASGI) client as the httpx errors a socket client gets."""

from __future__ import annotations

import httpx
import pytest

from faxage_sim.handle import SimHandle
from faxage_sim.wire.catalog import nginx_error_page


def status(sim: SimHandle) -> httpx.Response:
    with sim.client() as client:
        return client.post(sim.httpsfax_url, data={**sim.credentials, "operation": "status"})


def test_a_reset_is_a_read_error(faxage_sim_asgi: SimHandle) -> None:
    faxage_sim_asgi.fault(operation="status", reset=True, hits=1)
    with pytest.raises(httpx.ReadError, match="connection reset"):
        status(faxage_sim_asgi)
    assert status(faxage_sim_asgi).text.startswith("ERR06")  # the fault had one hit


def test_a_hang_is_a_read_timeout(faxage_sim_asgi: SimHandle) -> None:
    faxage_sim_asgi.fault(operation="status", hang=True, hits=1)
    with pytest.raises(httpx.ReadTimeout):
        status(faxage_sim_asgi)


def test_a_truncated_body_is_a_protocol_error(faxage_sim_asgi: SimHandle) -> None:
    faxage_sim_asgi.fault(operation="status", truncate=10, hits=1)
    with pytest.raises(httpx.RemoteProtocolError, match="received 10 bytes, expected 55"):
        status(faxage_sim_asgi)


def test_an_http_fault_is_an_ordinary_answer(faxage_sim_asgi: SimHandle) -> None:
    faxage_sim_asgi.fault(operation="status", status=502, hits=1)
    response = status(faxage_sim_asgi)
    assert response.status_code == 502
    assert response.text == nginx_error_page(502)
