"""The gate in front of every `/_sim/` path: the control plane is for the person and the tests.

`ControlGuard` wraps the control-plane mount (the JSON routes and the dashboard under
`/_sim/ui/` alike), so whatever is added below `/_sim/` is covered. In order, it refuses:

1. everything, with 404, when the control plane is off (`serve --no-control`);
2. a request that gives one of `SINGLE_HEADERS` twice (which one would count is exactly what
   an attacker would like to choose), or no `Host` at all (HTTP/1.0): 400;
3. the emulator's own outgoing requests (callbacks, URL-mode fetches, inbound pushes): they
   carry `OUTGOING_HEADER` (a per-process secret value), whatever address, name, redirect or
   path spelling brought them here;
4. a `Host` that is not a loopback name or address, the bound address, or an allowed name
   (`--allow-host`): DNS rebinding;
5. an `Origin` other than the server's own, or a `Sec-Fetch-Site` other than `same-origin` or
   `none` (a page of another site, or of another port of this host): another web page;
6. without the control token, when one is set (always when bound to a non-loopback address):
   header `X-Faxage-Sim-Token`, or cookie `faxage_sim_token`, set (`Path=/_sim/; HttpOnly;
   SameSite=Strict`) when a `/_sim/ui/` page is opened with `?token=...`. The cookie counts
   only for a browser's own-origin request (`Sec-Fetch-Site: same-origin`, or `none`, a
   typed address, for GET), and a state change only from a script's fetch (`Sec-Fetch-Mode`
   `cors` or `same-origin`), never a form or a navigation;
7. a state-changing request (POST, PUT, PATCH, DELETE) whose body is not
   `Content-Type: application/json` (`PUT /_sim/snapshot` may send what `GET` gives,
   application/vnd.sqlite3, or application/octet-stream): every content type a page can send
   cross-site without a preflight is refused.

Every answer below `/_sim/` carries `CONTROL_SAFETY_HEADERS` (no framing, no sniffing, a
strict CSP: the dashboard's script and style are its own files). Every refusal, the control
plane's own 404 and 405, and any failure inside it (a 500) is `{"error": "..."}` JSON in a
complete response, so a keep-alive connection stays usable.
This module is imported at start-up (by the app): it must stay cheap, standard library only.
"""

from __future__ import annotations

import json
import os
from typing import Any

from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_HEADER = "x-faxage-sim-token"
TOKEN_COOKIE = "faxage_sim_token"
TOKEN_ENV = "FAXAGE_SIM_CONTROL_TOKEN"
# Every request the emulator itself makes carries this header; /_sim/ refuses it.
OUTGOING_HEADER = "X-Faxage-Sim-Outgoing"
OUTGOING_MARK = os.urandom(16).hex()  # per process: nothing outside can predict or need it
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# (method, path) -> the non-JSON content types that request may send instead: the snapshot
# upload takes what GET /_sim/snapshot gives (control/snapshot.SNAPSHOT_MEDIA_TYPE).
BINARY_UPLOADS = {("PUT", "/_sim/snapshot"): ("application/vnd.sqlite3",
                                              "application/octet-stream")}
# Headers that must come once: a second one would leave the guard and the app to disagree.
SINGLE_HEADERS = frozenset({"host", "origin", "sec-fetch-site", "sec-fetch-mode",
                            "content-type", "content-length", "x-faxage-sim-token"})
# Sec-Fetch-Site values of a request a page elsewhere did not start (absent: not a browser).
OWN_SITE = frozenset({"same-origin", "none"})
# Sec-Fetch-Mode of a script's fetch(): a state change with the cookie must be one.
SCRIPT_MODES = frozenset({"cors", "same-origin"})
# On every answer below /_sim/ (dashboard pages, JSON, files, refusals): never framed
# (clickjacking), never sniffed, and only the dashboard's own script, style and images run.
CONTROL_SAFETY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
     b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # a page opened with ?token= tells no one
]
CONTROL_PREFIX = "/_sim"
UI_PREFIX = "/_sim/ui"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost",
                            "ip6-loopback"})
# The in-process transports' host: reserved by RFC 2606, so no DNS name can rebind to it.
IN_PROCESS_HOST = "faxage-sim.test"


def outgoing_headers() -> dict[str, str]:
    """The headers every request the emulator makes must carry (callbacks, fetches, pushes)."""
    return {OUTGOING_HEADER: OUTGOING_MARK}


def client_headers(token: str | None = None) -> dict[str, str]:
    """Headers a control-plane client sends: the token given, else `FAXAGE_SIM_CONTROL_TOKEN`."""
    token = token or os.environ.get(TOKEN_ENV) or None
    return {"X-Faxage-Sim-Token": token} if token else {}


def new_token() -> str:
    return os.urandom(18).hex()


def is_loopback_host(host: str) -> bool:
    """Is this bind address (or name) reachable from this machine only?"""
    name = host.strip("[]").lower().rstrip(".")
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    import ipaddress

    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def token_for(host: str, given: str | None) -> tuple[str | None, bool]:
    """The control token to require, and whether it was generated (to be printed).

    A given token is always required; none is needed on a loopback address; any other
    address gets a fresh one."""
    if given:
        return given, False
    if is_loopback_host(host):
        return None, False
    return new_token(), True


class GuardPolicy:
    """What the guard enforces (from SimConfig). A plain class: no dataclass machinery to
    run at import, since the app imports this module at start-up."""

    def __init__(self, enabled: bool = True, token: str | None = None,
                 bound_host: str = "127.0.0.1", allowed_hosts: tuple[str, ...] = ()) -> None:
        self.enabled = enabled
        self.token = token
        self.bound_host = bound_host
        self.allowed_hosts = allowed_hosts
        self._names = frozenset(h.strip("[]").lower().rstrip(".")
                                for h in (bound_host, *allowed_hosts))

    def host_allowed(self, host: str) -> bool:
        name = _host_name(host)
        if name in LOOPBACK_NAMES or name.endswith(".localhost") or name == IN_PROCESS_HOST \
                or name in self._names:
            return True
        import ipaddress

        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False  # a DNS name nobody allowed: the rebinding case
        if is_loopback_host(name):
            return True
        # Bound to every interface: any address literal names this machine (a name still
        # has to be allowed). An address cannot be rebound, only a name can.
        return self.bound_host.strip("[]") in ("0.0.0.0", "::", "")


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host[1:]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _netloc(scheme: str, host: str) -> str:
    """`host[:port]` without the scheme's default port, lower case."""
    host = host.strip().lower()
    default = {"http": ":80", "https": ":443"}.get(scheme, "")
    return host[: -len(default)] if default and host.endswith(default) else host


def _headers(scope: Scope) -> tuple[dict[str, str], str | None]:
    """The request headers (latin-1), `cookie` joined; and the first of `SINGLE_HEADERS`
    given more than once, if any."""
    found: dict[str, str] = {}
    twice: str | None = None
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name in found:
            if name == "cookie":
                value = f"{found[name]}; {value}"
            elif twice is None and name in SINGLE_HEADERS:
                twice = name
        found[name] = value
    return found, twice


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip().strip('"')
    return None


def _query_token(scope: Scope) -> str | None:
    from urllib.parse import parse_qs

    query = scope.get("query_string", b"").decode("latin-1")
    if "token=" not in query:
        return None
    values = parse_qs(query, max_num_fields=100).get("token")
    return values[-1] if values else None


async def answer_json(send: Send, status: int, body: dict[str, Any],
                      headers: list[tuple[bytes, bytes]] | None = None) -> None:
    content = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(content)).encode()),
        *(headers or [])]})
    await send({"type": "http.response.body", "body": content})


class ControlGuard:
    """ASGI app: checks a `/_sim/` request, then hands it to the control plane."""

    def __init__(self, inner: ASGIApp, policy: GuardPolicy) -> None:
        self.inner = inner
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        policy = self.policy
        send = _with_headers(send, CONTROL_SAFETY_HEADERS)
        headers, twice = _headers(scope)
        refusal = self._refusal(scope, headers, twice, policy)
        set_cookie: list[tuple[bytes, bytes]] = []
        if refusal is None and policy.token is not None:
            refusal, set_cookie = self._token_check(scope, headers, policy.token)
        if refusal is None:
            refusal = self._content_type_refusal(scope, headers)
        if refusal is not None:
            status, message = refusal
            await answer_json(send, status, {"error": message})
            return
        await self._inner_json_errors(scope, receive, _with_headers(send, set_cookie))

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket (a dashboard's live view) passes the same checks, bar the body's type:
        a page elsewhere must not open one (cross-site WebSocket hijacking)."""
        headers, twice = _headers(scope)
        refusal = self._refusal(scope, headers, twice, self.policy)
        if refusal is None and self.policy.token is not None:
            refusal, _ = self._token_check(scope, headers, self.policy.token)
        if refusal is not None:
            await receive()  # the websocket.connect message
            await send({"type": "websocket.close", "code": 1008, "reason": refusal[1][:120]})
            return
        await self.inner(scope, receive, send)

    def _refusal(self, scope: Scope, headers: dict[str, str], twice: str | None,
                 policy: GuardPolicy) -> tuple[int, str] | None:
        if not policy.enabled:
            return 404, "the control plane is off (faxage-sim serve --no-control)"
        if twice is not None:
            return 400, f"the {twice} header is given more than once: send it once"
        if "host" not in headers:
            return 400, ("a request without a Host header (HTTP/1.0?) is refused: send "
                         "Host, as HTTP/1.1 does")
        if OUTGOING_HEADER.lower() in headers:
            return 403, ("the emulator's own outgoing requests (callbacks, URL-mode fetches, "
                         "inbound pushes) never reach its control plane")
        host = headers["host"]
        if not policy.host_allowed(host):
            return 403, (f"Host {host[:100]!r} is not this emulator's (a loopback name or "
                         "address, or the bound one); allow a name with "
                         "faxage-sim serve --allow-host NAME")
        origin = headers.get("origin")
        if origin is not None:
            given = str(scope.get("scheme", "http"))
            scheme = {"ws": "http", "wss": "https"}.get(given, given)
            own = f"{scheme}://{_netloc(scheme, host)}"
            given_scheme = origin.split("://", 1)[0].lower()
            if given_scheme != scheme \
                    or f"{scheme}://{_netloc(scheme, origin.split('://', 1)[-1])}" != own:
                return 403, (f"cross-origin request refused (Origin {origin[:100]!r}): the "
                             "control plane answers its own pages, curl and the test tools")
        site = headers.get("sec-fetch-site")
        if site is not None and site.strip().lower() not in OWN_SITE:
            return 403, (f"a request from another page refused (Sec-Fetch-Site: "
                         f"{site[:40]}): the control plane answers its own pages, curl and "
                         "the test tools")
        return None

    @staticmethod
    def _token_check(scope: Scope, headers: dict[str, str],
                     token: str) -> tuple[tuple[int, str] | None, list[tuple[bytes, bytes]]]:
        from hmac import compare_digest

        def matches(given: str | None) -> bool:
            return given is not None and compare_digest(given.encode("utf-8", "replace"),
                                                        token.encode())

        if matches(headers.get(TOKEN_HEADER)):
            return None, []
        method = scope.get("method", "GET")
        if _cookie_may_count(headers, method) \
                and matches(_cookie(headers.get("cookie", ""), TOKEN_COOKIE)):
            return None, []
        path = scope.get("path", "")
        on_page = path == UI_PREFIX or path.startswith(UI_PREFIX + "/")
        if method == "GET" and on_page and matches(_query_token(scope)):
            secure = "; Secure" if scope.get("scheme") == "https" else ""
            cookie = (f"{TOKEN_COOKIE}={token}; Path={CONTROL_PREFIX}/; HttpOnly; "
                      f"SameSite=Strict{secure}")
            return None, [(b"set-cookie", cookie.encode())]
        return (401, "the control plane needs the control token: header X-Faxage-Sim-Token "
                     f"(or env {TOKEN_ENV} for the CLI; a /_sim/ui/ page opened with "
                     "?token=...)"), []

    @staticmethod
    def _content_type_refusal(scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        method = scope.get("method", "GET")
        if method not in STATE_CHANGING:
            return None
        media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media == "application/json":
            return None
        allowed = BINARY_UPLOADS.get((method, scope.get("path", "")), ())
        if media in allowed:
            return None
        wanted = " or ".join(("application/json", *allowed))
        return 415, (f"{method} to the control plane needs Content-Type: {wanted} "
                     f"(got {media[:60] or 'none'}); send {{}} when there is nothing to say")

    async def _inner_json_errors(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = complete = False

        async def tracking_send(message: Message) -> None:
            nonlocal started, complete
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                complete = True
            await send(message)

        try:
            await self.inner(scope, receive, tracking_send)
        except HTTPException as exc:  # the router's own 404 and 405
            if started:
                raise
            extra = [(k.lower().encode(), v.encode()) for k, v in (exc.headers or {}).items()]
            message = {404: f"no control-plane URL {scope.get('path', '')[:200]}",
                       405: f"{scope.get('method')} is not allowed on "
                            f"{scope.get('path', '')[:200]}"}.get(exc.status_code, exc.detail)
            await answer_json(send, exc.status_code, {"error": message}, extra)
        except Exception:
            # An emulator bug: logged with its traceback; the client gets one JSON line in a
            # complete response (an exception reaching the server would answer plain text
            # and drop the keep-alive connection). Half an answer already sent cannot be
            # mended: then the connection is closed, as it must be.
            import logging

            path = str(scope.get("path", ""))[:200]
            logging.getLogger("faxage_sim").exception(
                "faxage-sim internal error on %s %s", scope.get("method"), path)
            if started and not complete:
                raise
            if not started:
                await answer_json(send, 500, {"error": (
                    f"faxage-sim internal error on {scope.get('method')} {path}: the "
                    "emulator failed on this request; the console has the details")})


def _cookie_may_count(headers: dict[str, str], method: str) -> bool:
    """Does the token cookie count for this request? Only for a browser's request from the
    emulator's own pages (or a typed address, for reading), and for a state change only
    from a script's fetch(): a page elsewhere, or a sandboxed protocol answer (an opaque
    origin, so cross-site), never rides on the cookie; a client without Sec-Fetch headers
    sends the token header."""
    site = headers.get("sec-fetch-site", "").strip().lower()
    if method in STATE_CHANGING:
        return site == "same-origin" \
            and headers.get("sec-fetch-mode", "").strip().lower() in SCRIPT_MODES
    return site == "same-origin" or site == "none"


class ControlMount(BaseRoute):
    """Every path under /_sim/ (and /_sim itself), whatever characters it holds: a route
    pattern's `.` would miss a percent-encoded line break and let it fall through to the
    app's plain-text 404."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and (path == CONTROL_PREFIX
                                        or path.startswith(CONTROL_PREFIX + "/")):
            return Match.FULL, {}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    if not extra:
        return send

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending
