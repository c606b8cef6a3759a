"""`kill -9` at random moments during a bounded loopback load of sendfax/status/listfax:
after a restart on the same file, every JOBID a client was given more than one second before
the kill is there, and the file always opens."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from .helpers import DEADLINE

READY = re.compile(r"^faxage-sim \S+ listening on (http://127\.0\.0\.1:\d+) ")
LOGIN = {"username": "demo", "company": "1000", "password": "demo"}
DURABILITY_SECONDS = 1.0  # the documented promise
ROUNDS = 4
CLIENTS = 3
MAX_REQUESTS_PER_CLIENT = 3000  # bounded load


def start(path: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "faxage_sim", "serve", "--port", "0", "--quiet",
         "--state", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    line = process.stdout.readline()
    match = READY.match(line)
    assert match, (line, process.stderr.read() if process.poll() is not None else "")
    return process, match.group(1)


def load(url: str, stop: threading.Event, given: list[tuple[float, int]],
         rng: random.Random) -> None:
    """sendfax, status and listfax in a loop; JOBIDs noted with when they were answered."""
    with httpx.Client(base_url=url, timeout=DEADLINE) as client:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if stop.is_set():
                return
            choice = rng.random()
            try:
                if choice < 0.6:
                    answer = client.post("/httpsfax.php", data={
                        **LOGIN, "operation": "sendfax", "faxno": "3039911234",
                        "recipname": "Load", "faxfilenames[0]": "a.txt",
                        "faxfiledata[0]": "aGVsbG8="})
                    if answer.text.startswith("JOBID: "):
                        given.append((time.monotonic(), int(answer.text[7:])))
                elif choice < 0.9:
                    client.post("/httpsfax.php", data={**LOGIN, "operation": "status"})
                else:
                    client.post("/httpsfax.php", data={**LOGIN, "operation": "listfax"})
            except httpx.HTTPError:
                return  # the server is gone


def missing_jobids(url: str, jobids: list[int]) -> list[int]:
    with httpx.Client(base_url=url, timeout=DEADLINE) as client:
        answer = client.post("/httpsfax.php", data={**LOGIN, "operation": "status"}).text
    present = {int(line.split("\t")[0]) for line in answer.splitlines() if line.strip()
               and line.split("\t")[0].strip().isdigit()}
    return [j for j in jobids if j not in present]


def test_answers_older_than_a_second_survive_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    rng = random.Random(1313)
    must_survive: list[int] = []
    for _round in range(ROUNDS):
        process, url = start(path)  # the file always opens (the previous one was killed)
        if must_survive:
            assert missing_jobids(url, must_survive) == []
        given: list[tuple[float, int]] = []
        stop = threading.Event()
        clients = [threading.Thread(target=load, args=(url, stop, given,
                                                       random.Random(rng.random())))
                   for _ in range(CLIENTS)]
        for client in clients:
            client.start()
        time.sleep(rng.uniform(1.2, 3.0))  # real load for a random while, then the kill
        killed_at = time.monotonic()
        process.send_signal(signal.SIGKILL)
        process.wait()
        stop.set()
        for client in clients:
            client.join()
        assert given, "the load produced no jobs"
        must_survive += [jobid for at, jobid in given if at < killed_at - DURABILITY_SECONDS]
    assert len(must_survive) >= ROUNDS * 10, "too little load to mean anything"
    print(f"{len(must_survive)} JOBIDs checked after {ROUNDS} kills")
    process, url = start(path)
    try:
        assert missing_jobids(url, must_survive) == []
    finally:
        process.terminate()
        assert process.wait(timeout=DEADLINE) == 0
