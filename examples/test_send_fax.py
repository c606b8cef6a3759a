# examples/test_send_fax.py
import pytest
from faxclient import FaxageClient, FaxageError


@pytest.fixture
def client(faxage_sim):
    with FaxageClient(faxage_sim.httpsfax_url, **faxage_sim.credentials) as client:
        yield client


def test_a_fax_goes_through(faxage_sim, client):
    jobid = client.send("3039911234", "hello.txt", b"Hello, fax!", to="Front desk")
    assert client.status(jobid) == ("pending", "Waiting for conversion")

    faxage_sim.advance(120)  # two simulated minutes pass at once

    assert client.status(jobid) == ("success", "Success")
    faxage_sim.assert_called("sendfax", times=1, faxno="3039911234")


def test_a_busy_number_fails_after_every_retry(faxage_sim, client):
    jobid = client.send("3039910001", "hello.txt", b"Hello, fax!")  # ...0001: always busy

    faxage_sim.advance_until_idle()

    assert client.status(jobid) == (
        "failure", "Busy signal detected; too many attempts to dial")
    assert faxage_sim.job(jobid)["tries"] == 3


def test_errors_are_the_real_services_texts(client):
    with pytest.raises(FaxageError) as error:
        client.send("303555121", "hello.txt", b"Hello, fax!")  # nine digits
    assert str(error.value) == "ERR04: Fax number appears to be invalid"
