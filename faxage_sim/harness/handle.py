"""`SimHandle`: one isolated FAXAGE account on a running faxage-sim, and its controls.

Everything goes through the `/_sim/` JSON control plane, so a handle works the same on an
embedded simulator (in-process, no socket) and on a `faxage-sim serve` started elsewhere
(`connect(url)`). The account has its own company, user, DIDs and manual clock, so tests that
each hold a handle never see one another.
"""

from __future__ import annotations

import base64
import contextlib
import os
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol

import httpx

from .expectations import describe_mismatch, fields_match

PROTOCOL_PATHS = {"httpsfax": "/httpsfax.php", "getcdr": "/getcdr.php",
                  "provision": "/provision.php"}
DEFAULT_IDLE_LIMIT = 86400.0  # simulated seconds; every job ends within an hour


class ControlChannel(Protocol):
    """How a handle reaches `/_sim/`: in-process (`InProcessControl`) or over HTTP."""

    def request(self, method: str, path: str, *, json: Any = None,
                params: Mapping[str, str] | None = None) -> tuple[int, Any]: ...

    def close(self) -> None: ...


class HttpControl:
    """The control plane of a faxage-sim reached over HTTP(S)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def request(self, method: str, path: str, *, json: Any = None,
                params: Mapping[str, str] | None = None) -> tuple[int, Any]:
        if json is None and method.upper() not in ("GET", "HEAD"):
            json = {}  # the control plane takes state changes as JSON only
        response = self.client.request(method, path, json=json, params=params)
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, response.text

    def close(self) -> None:
        self.client.close()


class SimError(RuntimeError):
    """The control plane refused a request: its JSON `error` and HTTP status."""

    def __init__(self, method: str, path: str, status: int, message: str) -> None:
        super().__init__(f"faxage-sim {method} {path}: HTTP {status}: {message}")
        self.status = status
        self.message = message


@dataclass
class AccountOptions:
    """How a handle's account starts (the pytest marker's arguments)."""

    settings: Mapping[str, Any] | None = None  # AccountSettings fields, as PUT accepts them
    start: datetime | float | None = None  # the manual clock's start (default 2026-01-05 16:00Z)
    did_count: int | None = None  # DIDs to give the account (default 2)
    scenario: Any = None  # a scenario to load into the account once it exists
    seed: int | None = None  # the seed of the scenario's random choices

    def __post_init__(self) -> None:
        if self.seed is not None and self.scenario is None:
            raise ValueError("seed= seeds a scenario's random choices: give scenario= too")

    def account_body(self) -> dict[str, Any]:
        clock: dict[str, Any] = {"mode": "manual"}
        if isinstance(self.start, datetime):
            when = self.start if self.start.tzinfo else self.start.replace(tzinfo=UTC)
            clock["start"] = when.timestamp()
        elif self.start is not None:
            clock["start"] = float(self.start)
        body: dict[str, Any] = {"clock": clock}
        if self.settings:
            body["settings"] = dict(self.settings)
        if self.did_count is not None:
            body["did_count"] = self.did_count
        return body


class SimHandle:
    """One account: its URLs and credentials, its clock, and what it has seen."""

    def __init__(self, control: ControlChannel, url: str, account: Mapping[str, Any], *,
                 ca_bundle: str | None = None, transport: httpx.BaseTransport | None = None,
                 async_transport: httpx.AsyncBaseTransport | None = None,
                 on_close: Callable[[], None] | None = None) -> None:
        user = account["users"][0]
        self.url = url.rstrip("/")
        self.company: str = account["company"]
        self.username: str = user["username"]
        self.password: str = user["password"]
        self.email: str = user.get("email", "")
        self.dids: list[str] = list(account["dids"])
        self.ca_bundle = ca_bundle
        self.transport = transport
        self.async_transport = async_transport
        self._control = control
        self._on_close = on_close
        self._closed = False

    @classmethod
    def create(cls, control: ControlChannel, url: str, options: AccountOptions | None = None,
               **kwargs: Any) -> SimHandle:
        """Make a fresh account through `control` and a handle on it."""
        options = options or AccountOptions()
        account = _json(control, "POST", "/_sim/accounts", json=options.account_body())
        handle = cls(control, url, account, **kwargs)
        try:
            if options.scenario is not None:
                handle.load(options.scenario, seed=options.seed)
        except BaseException:
            handle.close()
            raise
        return handle

    # --- where and who ---------------------------------------------------------------

    @property
    def httpsfax_url(self) -> str:
        return self.url + PROTOCOL_PATHS["httpsfax"]

    @property
    def getcdr_url(self) -> str:
        return self.url + PROTOCOL_PATHS["getcdr"]

    @property
    def provision_url(self) -> str:
        return self.url + PROTOCOL_PATHS["provision"]

    @property
    def credentials(self) -> dict[str, str]:
        """The three login fields every FAXAGE request carries."""
        return {"username": self.username, "company": self.company, "password": self.password}

    @property
    def in_process(self) -> bool:
        return self.transport is not None

    def ssl_context(self) -> ssl.SSLContext | None:
        """Trusts the emulator's local CA (HTTPS only): pass it as httpx's `verify=`."""
        return None if self.ca_bundle is None else ssl.create_default_context(
            cafile=self.ca_bundle)

    def client(self, **kwargs: Any) -> httpx.Client:
        """An `httpx.Client` that reaches this emulator (socket, HTTPS or in-process)."""
        kwargs.setdefault("base_url", self.url)
        if self.transport is not None:
            kwargs.setdefault("transport", self.transport)
        elif self.ca_bundle is not None:
            kwargs.setdefault("verify", self.ssl_context())
        return httpx.Client(**kwargs)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An `httpx.AsyncClient` that reaches this emulator (socket, HTTPS or in-process)."""
        kwargs.setdefault("base_url", self.url)
        if self.async_transport is not None:
            kwargs.setdefault("transport", self.async_transport)
        elif self.ca_bundle is not None:
            kwargs.setdefault("verify", self.ssl_context())
        return httpx.AsyncClient(**kwargs)

    # --- time ------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move this account's clock; every transition and callback due runs before return."""
        self._call("POST", "/_sim/clock/advance",
                   json={"seconds": seconds, "company": self.company})

    def advance_until_idle(self, max_seconds: float = DEFAULT_IDLE_LIMIT) -> float:
        """Advance to each next event until none is left; the simulated seconds moved.

        Raises `SimError` if something is still scheduled after `max_seconds`.
        """
        data = self._call("POST", "/_sim/clock/run-until-idle",
                          json={"company": self.company, "max_seconds": max_seconds})
        if not data["idle"]:
            busy = (f"{data['in_flight']} deliveries (callbacks, pushes, URL fetches, "
                    "emails) still in flight"
                    if data.get("in_flight") else
                    f"events after {max_seconds:g} simulated seconds")
            raise SimError("POST", "/_sim/clock/run-until-idle", 200,
                           f"company {self.company} still has {busy}")
        moved: float = data["advanced"]
        return moved

    def now(self) -> datetime:
        """This account's simulated time (UTC)."""
        data = self._call("GET", "/_sim/clock", params={"company": self.company})
        return datetime.fromtimestamp(data["clocks"][self.company]["epoch"], UTC)

    # --- what happened ---------------------------------------------------------------

    def jobs(self) -> list[dict[str, Any]]:
        """This account's outbound jobs, full state (see `GET /_sim/jobs`)."""
        jobs: list[dict[str, Any]] = self._call(
            "GET", "/_sim/jobs", params={"company": self.company})["jobs"]
        return jobs

    def job(self, jobid: int | str) -> dict[str, Any]:
        """One of this account's jobs (another account's job is not found)."""
        for job in self.jobs():
            if str(job["jobid"]) == str(jobid):
                return job
        raise SimError("GET", "/_sim/jobs", 404, f"company {self.company} has no job {jobid}")

    def callbacks(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Callback deliveries (`job` or `inbound`) with every attempt."""
        params = {"company": self.company} | ({"kind": kind} if kind else {})
        found: list[dict[str, Any]] = self._call("GET", "/_sim/callbacks", params=params)[
            "callbacks"]
        return found

    def requests(self, operation: str | None = None, *,
                 path: str | None = None) -> list[dict[str, Any]]:
        """The journal of this account's requests (failed logins naming it included)."""
        params = {"company": self.company}
        if operation is not None:
            params["operation"] = operation
        if path is not None:
            params["path"] = path
        found: list[dict[str, Any]] = self._call("GET", "/_sim/requests", params=params)[
            "requests"]
        return found

    def assert_called(self, operation: str, times: int | None = None,
                      **fields: Any) -> list[dict[str, Any]]:
        """Assert the client made `operation` (exactly `times` times, else at least once),
        with these posted fields if given; returns the matching journal entries.

        The failure message lists the requests that came close, and the others.
        """
        seen = self.requests()
        matching = [r for r in seen if r["operation"] == operation
                    and fields_match(r["fields"], fields)]
        if (len(matching) >= 1) if times is None else (len(matching) == times):
            return matching
        raise AssertionError(describe_mismatch(
            operation, times, fields, matching, seen, company=self.company, url=self.url))

    # --- setting things up -----------------------------------------------------------

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change this account's settings (e.g. `outbound_lines=1`, `tries=5`)."""
        account: dict[str, Any] = self._call("PUT", f"/_sim/accounts/{self.company}",
                                             json={"settings": settings})
        return account

    def load(self, scenario: Any, *, seed: int | None = None) -> dict[str, Any]:
        """Load a scenario into this account: a shipped scenario's name, a mapping, YAML
        text, or a path (read by the emulator). `seed` overrides the scenario's own."""
        body: dict[str, Any] = {"company": self.company}
        if isinstance(scenario, os.PathLike):
            body["path"] = os.fspath(scenario)
        else:
            body["scenario"] = scenario
        if seed is not None:
            body["seed"] = seed
        result: dict[str, Any] = self._call("POST", "/_sim/scenario", json=body)
        return result

    def add_to(self, part: str, **fields: Any) -> dict[str, Any]:
        """Add one item to an account part, as a scenario file's account writes it:
        `sim.add_to("ports", number="3035550100", due="+7d")` is a port request
        (`portstatus`). Every part a scenario declares has its route
        (`POST /_sim/accounts/{company}/{part}`); returns the item as the emulator shows it."""
        item: dict[str, Any] = self._call("POST", f"/_sim/accounts/{self.company}/{part}",
                                          json=fields)
        return item

    def clear_part(self, part: str) -> int:
        """Remove every item of an account part (e.g. `"ports"`); how many went."""
        removed: int = self._call("DELETE", f"/_sim/accounts/{self.company}/{part}")["removed"]
        return removed

    def snapshot(self) -> dict[str, Any]:
        """This account's whole state as JSON-ready data, for `restore()`: settings, clock,
        jobs with their documents, received faxes, busy calls, call records, callbacks,
        emails and pending simulated events. Build a costly state once (a session-scoped
        fixture), snapshot it, and restore it into each test's own account."""
        found: dict[str, Any] = self._call("GET", f"/_sim/accounts/{self.company}/snapshot")
        return found

    def restore(self, snapshot: Mapping[str, Any]) -> dict[str, Any]:
        """Make this account a copy of a `snapshot()` (of this or another account): it keeps
        its own company, users and numbers (the snapshot's numbers map onto them in order)."""
        result: dict[str, Any] = self._call(
            "POST", f"/_sim/accounts/{self.company}/restore", json={"snapshot": snapshot})
        self.dids = list(result.get("dids", self.dids))
        return result

    def fault(self, spec: Mapping[str, Any] | None = None, /, *, seed: int | None = None,
              **fields: Any) -> dict[str, Any]:
        """Inject a fault into this account's requests (fields as a scenario's `faults:`
        entry: `sim.fault(operation="sendfax", error="ERR15", hits=1)`; pass a dict for
        `from`). Returns the fault, with its `id`."""
        body: dict[str, Any] = {"fault": {**(spec or {}), **fields}, "company": self.company}
        if seed is not None:
            body["seed"] = seed
        fault: dict[str, Any] = self._call("POST", "/_sim/faults", json=body)
        return fault

    def faults(self) -> list[dict[str, Any]]:
        """The faults in force for this account."""
        found: list[dict[str, Any]] = self._call(
            "GET", "/_sim/faults", params={"company": self.company})["faults"]
        return found

    def clear_faults(self) -> int:
        """Remove this account's faults; how many went."""
        removed: int = self._call("DELETE", "/_sim/faults",
                                  params={"company": self.company})["removed"]
        return removed

    def inbound(self, did: str | None = None, *,
                document: tuple[str, bytes] | Mapping[str, str] | None = None,
                **fields: Any) -> dict[str, Any]:
        """A fax call to one of this account's numbers (default its first DID), as
        `POST /_sim/inbound`: `cid`, `tsid`, `sender`, `pages`, `duration`, `in_seconds`;
        `document=("scan.pdf", data)` sends that file. Fields left out are generated."""
        body: dict[str, Any] = {"company": self.company, "did": did or self.dids[0], **fields}
        if isinstance(document, tuple):
            name, data = document
            body["document"] = {"filename": name, "data": base64.b64encode(data).decode()}
        elif document is not None:
            body["document"] = dict(document)
        result: dict[str, Any] = self._call("POST", "/_sim/inbound", json=body)
        return result

    def received(self) -> list[dict[str, Any]]:
        """Faxes this account has received (recvid ascending), as `GET /_sim/inbound`."""
        data = self._call("GET", "/_sim/inbound", params={"company": self.company})
        faxes: list[dict[str, Any]] = data["accounts"][0]["faxes"]
        return faxes

    def emails(self) -> list[dict[str, Any]]:
        """The em_notify emails composed for this account, as `GET /_sim/emails`."""
        found: list[dict[str, Any]] = self._call(
            "GET", "/_sim/emails", params={"company": self.company})["emails"]
        return found

    # --- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        """Remove the account (idempotent)."""
        if self._closed:
            return
        self._closed = True
        # The simulator may be gone or reset already: then nothing is left to remove.
        with contextlib.suppress(SimError, httpx.HTTPError, RuntimeError):
            self._call("DELETE", f"/_sim/accounts/{self.company}")
        if self._on_close is not None:
            self._on_close()

    def __enter__(self) -> SimHandle:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"<SimHandle company={self.company} user={self.username} url={self.url}"
                f"{' in-process' if self.in_process else ''}>")

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return _json(self._control, method, path, **kwargs)


def _json(control: ControlChannel, method: str, path: str, **kwargs: Any) -> Any:
    status, data = control.request(method, path, **kwargs)
    if status >= 400 or not isinstance(data, dict):
        message = data.get("error") if isinstance(data, dict) else str(data)[:200]
        raise SimError(method, path, status, str(message))
    return data


def connect(url: str, *, verify: ssl.SSLContext | str | bool = True,
            options: AccountOptions | None = None,
            control_token: str | None = None) -> SimHandle:
    """A fresh account on a faxage-sim started elsewhere (e.g. `faxage-sim serve` in CI).

    `verify`: for HTTPS, the CA bundle path printed at start (or an SSL context).
    `control_token`: the server's control token (default: env FAXAGE_SIM_CONTROL_TOKEN);
    needed when it is bound to a non-loopback address.
    """
    from ..control.guard import client_headers

    ca_bundle = verify if isinstance(verify, str) else None
    if isinstance(verify, str):
        verify = ssl.create_default_context(cafile=verify)
    # trust_env=False: a proxy configured for the test run must not intercept the emulator.
    control = HttpControl(httpx.Client(base_url=url, verify=verify, trust_env=False,
                                       headers=client_headers(control_token)))
    try:
        return SimHandle.create(control, url, options, ca_bundle=ca_bundle,
                                on_close=control.close)
    except BaseException:
        control.close()
        raise
