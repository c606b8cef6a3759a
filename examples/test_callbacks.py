# examples/test_callbacks.py
from faxclient import FaxageClient


def test_the_callback_reaches_my_webhook(faxage_sim, httpserver):
    # pytest-httpserver's fixture plays the application's webhook endpoint.
    httpserver.expect_request("/faxage/notify", method="POST").respond_with_data("OK")
    with FaxageClient(faxage_sim.httpsfax_url, **faxage_sim.credentials) as client:
        jobid = client.send("3039911234", "hello.txt", b"Hello, fax!",
                            url_notify=httpserver.url_for("/faxage/notify"))

    faxage_sim.advance_until_idle()  # the job ends, and its callback is delivered

    [(request, _)] = httpserver.log
    assert request.form["jobid"] == str(jobid)
    assert request.form["shortstatus"] == "success"
    [callback] = faxage_sim.callbacks()
    assert callback["state"] == "delivered"
    assert callback["attempts"][0]["status"] == 200
