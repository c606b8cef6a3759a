"""The PHP, Ruby, Node and Java client programs under examples/clients/, run with their real
runtimes against a fresh `faxage-sim serve`, over plain HTTP and over `--tls` with the CA
trusted the way each language expects; what each printed is compared, whole lines, with what
the emulator recorded. docs/recipes/clients.md shows the same files verbatim.

A test skips (saying which runtime) only where the runtime is not installed; CI installs them
(.ci/run). The emulator runs a scaled clock (600 simulated seconds a real second), so a
program polling `status` sees its fax done within a fraction of a real second.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from faxage_sim.core.numbering import format_display

from .docs_blocks import DOCS, ROOT, blocks

CLIENTS = ROOT / "examples" / "clients"
LOGIN = {"username": "demo", "company": "1000", "password": "demo"}
READY = re.compile(r"^faxage-sim \S+ listening on (https?://127\.0\.0\.1:\d+) ")
CALLER, DID = "3032971234", "3032974100"  # an inbound fax from Denver to the default account
# Every environment variable that could make a program trust or reach something else.
TRUST_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "JAVA_TOOL_OPTIONS",
                   "FAXAGE_CA_BUNDLE", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")


@dataclass(frozen=True)
class Client:
    language: str  # the docs' fence language
    path: Path
    runtime: tuple[str, ...]  # programs that must be installed

    def missing(self) -> str | None:
        absent = [name for name in self.runtime if shutil.which(name) is None]
        if absent:
            return f"{', '.join(absent)} not installed (.ci/run installs it from Debian)"
        if self.language == "php":
            modules = subprocess.run(["php", "-m"], capture_output=True, text=True, timeout=60)
            if "curl" not in modules.stdout.split():
                return "PHP's curl extension not installed (Debian: php-curl)"
        return None


CLIENT_LIST = (
    Client("php", CLIENTS / "php" / "faxage_example.php", ("php",)),
    Client("ruby", CLIENTS / "ruby" / "faxage_example.rb", ("ruby",)),
    Client("js", CLIENTS / "node" / "faxage_example.mjs", ("node",)),
    Client("java", CLIENTS / "java" / "FaxageExample.java", ("java", "keytool")),
)


@dataclass
class Emulator:
    url: str
    ca_bundle: Path | None

    def http(self) -> httpx.Client:
        import ssl

        verify: ssl.SSLContext | bool = True
        if self.ca_bundle is not None:
            verify = ssl.create_default_context(cafile=str(self.ca_bundle))
        return httpx.Client(base_url=self.url, verify=verify, timeout=60)


def start_emulator(tmp_path: Path, tls: bool) -> Iterator[Emulator]:
    bundle = tmp_path / "ca.pem"
    argv = [sys.executable, "-m", "faxage_sim", "serve", "--port", "0", "--speed", "600",
            "--quiet", "--no-ui", *(["--tls", "--ca-bundle", str(bundle)] if tls else [])]
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert server.stdout is not None
        first = server.stdout.readline()  # the ready line: the first line holding a URL
        found = READY.match(first)
        assert found, (first, server.stderr.read() if server.poll() is not None else "")
        if tls:
            assert server.stdout.readline() == (
                f"faxage-sim CA bundle (verify https:// against it): {bundle}\n")
        yield Emulator(found.group(1), bundle if tls else None)
    finally:
        server.terminate()
        server.wait(timeout=30)


def receive_one_fax(http: httpx.Client) -> None:
    """No background traffic; one fax arrives, and the clock is moved past its end."""
    assert http.put("/_sim/accounts/1000", json={"inbound_rate_per_hour": 0}).status_code == 200
    call = http.post("/_sim/inbound", json={"did": DID, "cid": CALLER, "pages": 1})
    assert call.status_code == 201, call.text
    assert http.post("/_sim/clock/advance", json={"seconds": 600}).status_code == 200


def run_client(client: Client, emulator: Emulator,
               tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in TRUST_VARIABLES}
    env.update(FAXAGE_URL=emulator.url, FAXAGE_POLL_SECONDS="0.05")
    argv: list[str]
    if client.language == "php":
        argv = ["php", str(client.path)]
        if emulator.ca_bundle is not None:
            env["FAXAGE_CA_BUNDLE"] = str(emulator.ca_bundle)  # CURLOPT_CAINFO
    elif client.language == "ruby":
        argv = ["ruby", str(client.path)]
        if emulator.ca_bundle is not None:
            env["SSL_CERT_FILE"] = str(emulator.ca_bundle)
    elif client.language == "js":
        argv = ["node", str(client.path)]
        if emulator.ca_bundle is not None:
            env["NODE_EXTRA_CA_CERTS"] = str(emulator.ca_bundle)
    else:
        # A small JVM: the machine running the suite is shared.
        argv = ["java", "-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
        if emulator.ca_bundle is not None:
            store = tmp_path / "faxage.p12"
            subprocess.run(["keytool", "-importcert", "-noprompt", "-alias", "faxage-sim",
                            "-file", str(emulator.ca_bundle), "-keystore", str(store),
                            "-storetype", "PKCS12", "-storepass", "changeit"],
                           check=True, capture_output=True, timeout=120)
            argv += [f"-Djavax.net.ssl.trustStore={store}",
                     "-Djavax.net.ssl.trustStorePassword=changeit"]
        argv.append(str(client.path))
    return subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)


def described(what: str, file: bytes) -> str:
    return f"{what} {len(file)} bytes sha256 {hashlib.sha256(file).hexdigest()}"


def recorded(http: httpx.Client) -> list[str]:
    """What the emulator recorded, as the lines each program prints."""
    [job] = http.get("/_sim/jobs").json()["jobs"]
    jobid = job["jobid"]
    [account] = http.get("/_sim/inbound").json()["accounts"]
    [fax] = account["faxes"]
    recvid = fax["recvid"]
    tiff = http.post("/httpsfax.php", data={**LOGIN, "operation": "dlstatus",
                                            "jobid": str(jobid)}).content
    document = http.post("/httpsfax.php", data={**LOGIN, "operation": "getfax",
                                                "faxid": str(recvid)}).content
    assert tiff[:4] == b"II*\x00"
    return [f"sent job {jobid}",
            f"status {jobid} {job['shortstatus']} {job['longstatus']}",
            described("tiff", tiff),
            f"inbound {recvid} from {fax['cid_shown']} to {format_display(fax['did'])}",
            described("fax", document)]


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("client", CLIENT_LIST, ids=lambda c: c.path.parent.name)
def test_the_client_program_sends_polls_downloads_and_receives(
        client: Client, tls: bool, tmp_path: Path) -> None:
    reason = client.missing()
    if reason is not None:
        pytest.skip(reason)
    for emulator in start_emulator(tmp_path, tls):
        with emulator.http() as http:
            receive_one_fax(http)
            result = run_client(client, emulator, tmp_path)
            assert result.returncode == 0, result.stderr
            assert result.stdout.splitlines() == recorded(http)
            [job] = http.get("/_sim/jobs").json()["jobs"]
            language = {"js": "Node"}.get(client.language, client.language.capitalize())
            hello = f"Hello from {language}\n".encode()
            assert [(d["filename"], d["bytes"]) for d in job["documents"]] == [
                ("hello.txt", len(hello))]
            assert (job["destnum"], job["destname"], job["shortstatus"]) == (
                "3039911234", "Front desk", "success")


def test_over_tls_a_client_that_does_not_trust_the_ca_fails(tmp_path: Path) -> None:
    node = CLIENT_LIST[2]
    if node.missing() is not None:
        pytest.skip(str(node.missing()))
    for emulator in start_emulator(tmp_path, tls=True):
        result = run_client(node, Emulator(emulator.url, None), tmp_path)
        assert result.returncode != 0 and result.stdout == ""


def test_the_recipes_page_shows_every_program_verbatim() -> None:
    shown = blocks(DOCS / "recipes" / "clients.md")
    for client in CLIENT_LIST:
        assert (client.language, client.path.read_text()) in shown, client.path.name
    assert "not run by this project's tests" not in (DOCS / "recipes" / "clients.md").read_text()
