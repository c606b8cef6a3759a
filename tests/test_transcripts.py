"""Golden transcripts (fixtures/transcripts/*.json): every step replayed against a fresh
emulator with a manual clock; status, every header (but the length) and whole bodies must
match exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

TRANSCRIPTS = sorted((Path(__file__).parent.parent / "fixtures" / "transcripts").glob("*.json"))
BASES = {"evidence", "decision", "protocol", "control"}


def test_there_are_transcripts() -> None:
    names = {p.stem for p in TRANSCRIPTS}
    assert {"transport", "sendfax", "status", "clear", "stopfax", "documents", "reports",
            "inbound", "lines", "getcdr", "provision", "faults"} <= names


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.stem)
def test_transcript_replays_exactly(path: Path) -> None:
    transcript: dict[str, Any] = json.loads(path.read_text())
    with TestClient(create_app(SimConfig(clock=ClockMode.MANUAL)),
                    base_url="http://127.0.0.1") as client:
        for step in transcript["steps"]:
            assert step["basis"] in BASES, step["name"]
            if "control" in step:
                c = step["control"]
                response = client.request(c["method"], c["path"], json=c["json"])
                assert response.status_code < 300, (step["name"], response.text)
                continue
            request = step["request"]
            response = client.post(
                request["path"], content=urlencode([tuple(f) for f in request["form"]]).encode(),
                headers={"content-type": "application/x-www-form-urlencoded"})
            expected = step["response"]
            assert response.status_code == expected["status"], step["name"]
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            assert headers == expected["headers"], step["name"]
            if "body" in expected:
                assert response.text == expected["body"], step["name"]
            else:
                assert response.content.startswith(
                    expected["body_starts_with"].encode("latin-1")), step["name"]
