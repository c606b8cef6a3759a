# examples/send_one_fax.py
"""A script: start faxage-sim in a thread, send a fax, watch it go through."""

from faxclient import FaxageClient

import faxage_sim

with faxage_sim.simulator() as sim:
    client = FaxageClient(sim.httpsfax_url, **sim.credentials)
    jobid = client.send("3039911234", "hello.txt", b"Hello, fax!", to="Front desk")
    for seconds in (30, 30, 30):
        sim.advance(seconds)
        print(sim.now().time(), *client.status(jobid))
    client.http.close()
