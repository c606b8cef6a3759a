# examples/test_first_fax.py
import httpx


def test_a_fax_goes_through(faxage_sim):
    login = faxage_sim.credentials  # a fresh account for this test: demo / <company> / demo
    sent = httpx.post(faxage_sim.httpsfax_url, data={
        **login, "operation": "sendfax", "faxno": "3039911234", "recipname": "Front desk",
        "faxfilenames[]": "hello.txt", "faxfiledata[]": "SGVsbG8sIGZheCE="})
    jobid = sent.text.removeprefix("JOBID: ")

    faxage_sim.advance(120)  # two simulated minutes pass at once

    status = httpx.post(faxage_sim.httpsfax_url,
                        data={**login, "operation": "status", "jobid": jobid})
    assert status.text.split("\t")[4:6] == ["success", "Success"]
