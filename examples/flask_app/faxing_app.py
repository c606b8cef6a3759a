# examples/flask_app/faxing_app.py
"""A small Flask application that faxes a note through FAXAGE: the code under test."""

import base64

import httpx
from flask import Flask, request


def create_app(config=None):
    app = Flask(__name__)
    app.config.update(FAXAGE_URL="https://api.faxage.com", FAXAGE_USERNAME="",
                      FAXAGE_COMPANY="", FAXAGE_PASSWORD="")
    app.config.update(config or {})

    @app.post("/notes/fax")
    def fax_a_note():
        answer = httpx.post(app.config["FAXAGE_URL"] + "/httpsfax.php", data={
            "username": app.config["FAXAGE_USERNAME"],
            "company": app.config["FAXAGE_COMPANY"],
            "password": app.config["FAXAGE_PASSWORD"],
            "operation": "sendfax", "faxno": request.form["faxno"], "recipname": "Notes",
            "faxfilenames[]": "note.txt",
            "faxfiledata[]": base64.b64encode(request.form["note"].encode()).decode()})
        if not answer.text.startswith("JOBID: "):
            return {"error": answer.text}, 502
        return {"jobid": int(answer.text.removeprefix("JOBID: "))}

    return app
