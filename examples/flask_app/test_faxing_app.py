# examples/flask_app/test_faxing_app.py
import pytest
from faxing_app import create_app


@pytest.fixture
def client(faxage_sim):
    app = create_app({"FAXAGE_URL": faxage_sim.url, "FAXAGE_USERNAME": faxage_sim.username,
                      "FAXAGE_COMPANY": faxage_sim.company,
                      "FAXAGE_PASSWORD": faxage_sim.password})
    return app.test_client()


def test_a_note_is_faxed(client, faxage_sim):
    answer = client.post("/notes/fax", data={"faxno": "3039911234", "note": "Call me"})

    assert answer.status_code == 200
    faxage_sim.advance_until_idle()
    assert faxage_sim.job(answer.json["jobid"])["shortstatus"] == "success"


def test_a_faxage_error_becomes_a_502(client):
    answer = client.post("/notes/fax", data={"faxno": "303555121", "note": "Call me"})

    assert answer.status_code == 502
    assert answer.json == {"error": "ERR04: Fax number appears to be invalid"}
