# examples/tls/test_https.py
import ssl

from faxclient import FaxageClient


def test_a_client_that_insists_on_https(faxage_sim):
    assert faxage_sim.httpsfax_url.startswith("https://127.0.0.1:")
    trust = ssl.create_default_context(cafile=faxage_sim.ca_bundle)
    with FaxageClient(faxage_sim.httpsfax_url, **faxage_sim.credentials,
                      verify=trust) as client:
        jobid = client.send("3039911234", "hello.txt", b"Hello over TLS")
        assert client.status(jobid)[0] == "pending"
