"""What each injected fault does: one registered class per effect (`EFFECTS`).

Each class holds its scenario fields and their JSON schema, how it is read from checked
scenario data (into `FaultFields`), what the journal says of it, and how it is delivered
on the wire. The scenario schema, the "one effect per fault" rule, the `processed` rule and
the response dispatch are all derived from the registry. Which requests a fault hits, and
when, is `matching.py`; the fields both read are `spec.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, Protocol

from ..core.timeref import parse_duration
from .spec import (
    DEBUG_PATH,
    DEFAULT_HANG_MAX,
    HTTP_STATUSES,
    UPPER_CASE_PATHS,
    Drip,
    ProtocolError,
)

if TYPE_CHECKING:
    from starlette.types import Receive, Send

    from ..wire.forms import PhpPost
    from .spec import FaultFields

Schema = dict[str, Any]
Problem = Callable[..., None]


@dataclass(frozen=True)
class Replacement:
    """The answer a client gets instead of the real one."""

    body: str
    outcome: str
    status: int = 200
    content_type: str | None = None


class Wire(Protocol):
    """The response being sent, as an effect delivered on the wire sees it."""

    payload: bytes  # the answer's body
    status_code: int
    raw_headers: list[tuple[bytes, bytes]]
    extra: dict[str, Any]  # notes for the journal entry
    started: float  # perf_counter at the request's arrival

    async def pause(self, seconds: float) -> bool:
        """Wait `seconds` (real time); False when the server stopped meanwhile (cut)."""


class Effect:
    key: ClassVar[str]  # the scenario field that gives a fault this effect
    schema: ClassVar[Schema]  # the JSON schema of its scenario fields (key first)
    replaces_answer: ClassVar[bool] = False  # the client gets no normal answer
    takes_processed: ClassVar[bool] = False  # `processed` may say the request is served
    on_wire: ClassVar[bool] = False  # sent by the transport (`deliver`)

    def present(self, spec: FaultFields) -> bool:
        value = getattr(spec, self.key)
        return value is not None and value is not False

    def parse(self, data: dict[str, Any], problem: Problem) -> dict[str, Any]:
        """The FaultFields fields from checked scenario data (`problem` reports a mistake
        the schema cannot express)."""
        return {self.key: data.get(self.key)}

    def describe(self, spec: FaultFields) -> str:
        raise NotImplementedError

    def replaces(self, spec: FaultFields) -> bool:
        return self.replaces_answer

    def operation_level(self, spec: FaultFields) -> bool:
        return False

    def reaches_service(self, spec: FaultFields) -> bool:
        return not self.replaces(spec) or bool(spec.processed)

    def replacement(self, spec: FaultFields, path: str, post: PhpPost) -> Replacement:
        return Replacement("", "no answer")  # a hang or reset: nothing is ever sent

    async def deliver(self, spec: FaultFields, wire: Wire, receive: Receive,
                      send: Send) -> None:
        raise NotImplementedError


class ErrorEffect(Effect):
    key = "error"
    schema: ClassVar[Schema] = {
        "error": {"type": "string", "enum": [e.value for e in ProtocolError]}}

    def parse(self, data: dict[str, Any], problem: Problem) -> dict[str, Any]:
        return {"error": ProtocolError(data["error"]) if "error" in data else None}

    def describe(self, spec: FaultFields) -> str:
        assert spec.error is not None
        return spec.error.value

    def replaces(self, spec: FaultFields) -> bool:
        return spec.error is ProtocolError.ERR01

    def operation_level(self, spec: FaultFields) -> bool:
        return spec.error is not ProtocolError.ERR01

    def reaches_service(self, spec: FaultFields) -> bool:
        return spec.error is not ProtocolError.ERR01  # no database: nothing is stored

    def replacement(self, spec: FaultFields, path: str, post: PhpPost) -> Replacement:
        """ERR01 in the casing of the URL; the debug URL dumps the POST first, as PHP does."""
        from ..wire import catalog
        from ..wire.forms import print_r

        text = catalog.ERR01_DATABASE if path in UPPER_CASE_PATHS \
            else catalog.LC_ERR01_DATABASE
        return Replacement(print_r(post) + text if path == DEBUG_PATH else text, "error 01")


class StatusEffect(Effect):
    key = "status"
    schema: ClassVar[Schema] = {"status": {"type": "integer", "enum": list(HTTP_STATUSES)},
              "server": {"type": "string", "enum": ["php", "nginx"],
                         "description": "Who sends the 500 page."}}
    replaces_answer = True
    takes_processed = True

    def parse(self, data: dict[str, Any], problem: Problem) -> dict[str, Any]:
        if "server" in data and data.get("status") != 500:
            problem('"server" chooses who sends a 500 page; use it with status: 500', "server")
        return {"status": data.get("status"), "server": data.get("server")}

    def describe(self, spec: FaultFields) -> str:
        return f"HTTP {spec.status}"

    def replacement(self, spec: FaultFields, path: str, post: PhpPost) -> Replacement:
        from ..wire import catalog

        assert spec.status is not None
        if spec.status == 500 and spec.server != "nginx":
            return Replacement(catalog.PHP_FATAL_ERROR_BODY, "HTTP 500", 500,
                               catalog.TEXT_CONTENT_TYPE)
        return Replacement(catalog.nginx_error_page(spec.status), f"HTTP {spec.status}",
                           spec.status, catalog.NGINX_CONTENT_TYPE)


class HangEffect(Effect):
    key = "hang"
    schema: ClassVar[Schema] = {"hang": {
        "description": "Answer nothing until the client gives up (true), or at most this long.",
        "oneOf": [{"type": "boolean"}, {"$ref": "#/$defs/duration"}]}}
    replaces_answer = True
    takes_processed = True
    on_wire = True

    def parse(self, data: dict[str, Any], problem: Problem) -> dict[str, Any]:
        hang = data.get("hang")
        return {"hang": hang is not None and hang is not False,
                "hang_max": None if hang in (None, True, False) else parse_duration(hang)}

    def describe(self, spec: FaultFields) -> str:
        return "hang until the client gives up"

    async def deliver(self, spec: FaultFields, wire: Wire, receive: Receive,
                      send: Send) -> None:
        """Answer nothing until the client disconnects (or, at most, `hang_max`)."""
        given = spec.hang_max
        if given is None and transport_of(receive) is None:
            # In-process there is no connection for the client to give up on: it would
            # wait for DEFAULT_HANG_MAX. Say so at once; `hang: <duration>` waits that long.
            wire.extra["hang_ended"] = "in-process: no connection to hang"
            raise TimeoutError("faxage-sim fault: the request hangs (in-process, no client "
                               "timeout can end it; give the fault a duration: hang: 2s)")
        limit = given if given is not None else DEFAULT_HANG_MAX
        try:
            async with asyncio.timeout(limit):
                while (await receive())["type"] != "http.disconnect":
                    pass
            wire.extra["client_gave_up_after_s"] = round(time.perf_counter() - wire.started, 3)
        except TimeoutError:
            wire.extra["hang_ended"] = f"closed after {limit:g}s"
            await reset_connection(receive)


class ResetEffect(Effect):
    key = "reset"
    schema: ClassVar[Schema] = {
        "reset": {"type": "boolean", "description": "Reset the connection."}}
    replaces_answer = True
    takes_processed = True
    on_wire = True

    def parse(self, data: dict[str, Any], problem: Problem) -> dict[str, Any]:
        return {"reset": bool(data.get("reset"))}

    def describe(self, spec: FaultFields) -> str:
        return "connection reset"

    async def deliver(self, spec: FaultFields, wire: Wire, receive: Receive,
                      send: Send) -> None:
        await reset_connection(receive)


class TruncateEffect(Effect):
    key = "truncate"
    schema: ClassVar[Schema] = {"truncate": {
        "description": "Cut the body short: true (half) or bytes kept.",
        "oneOf": [{"type": "boolean"}, {"type": "integer", "minimum": 0}]}}
    on_wire = True

    def parse(self, data: dict[str, Any], problem: Problem) -> dict[str, Any]:
        truncate = data.get("truncate")
        return {"truncate": truncate is not None and truncate is not False,
                "truncate_keep": truncate if isinstance(truncate, int)
                and truncate is not True else None}

    def describe(self, spec: FaultFields) -> str:
        kept = "half" if spec.truncate_keep is None else f"{spec.truncate_keep} bytes"
        return f"body cut short ({kept} sent)"

    async def deliver(self, spec: FaultFields, wire: Wire, receive: Receive,
                      send: Send) -> None:
        body = wire.payload
        keep = spec.truncate_keep
        kept = body[: len(body) // 2 if keep is None else min(keep, max(0, len(body) - 1))]
        wire.extra["body_bytes_sent"] = len(kept)
        wire.extra["body_bytes_declared"] = len(body)
        await send({"type": "http.response.start", "status": wire.status_code,
                    "headers": wire.raw_headers})
        transport = transport_of(receive)
        if transport is None:
            await send({"type": "http.response.body", "body": kept, "more_body": False})
            return
        await send({"type": "http.response.body", "body": kept, "more_body": True})
        transport.close()  # flushes what was written, then closes: the rest never comes
        await let_server_notice()


class DripEffect(Effect):
    key = "drip"
    schema: ClassVar[Schema] = {"drip": {"description": "Send the body slowly.", "oneOf": [
        {"type": "boolean"},
        {"type": "object", "description": "Bytes per chunk, time between.",
         "properties": {"chunk_bytes": {"type": "integer", "minimum": 1},
                        "interval": {"$ref": "#/$defs/duration"}},
         "additionalProperties": False}]}}
    on_wire = True

    def parse(self, data: dict[str, Any], problem: Problem) -> dict[str, Any]:
        value = data.get("drip")
        if value is None or value is False:
            return {"drip": None}
        if value is True:
            return {"drip": Drip()}
        return {"drip": Drip(chunk_bytes=value.get("chunk_bytes", Drip.chunk_bytes),
                             interval=parse_duration(value.get("interval", Drip.interval)))}

    def describe(self, spec: FaultFields) -> str:
        assert spec.drip is not None
        return f"slow drip ({spec.drip.chunk_bytes} byte(s) every {spec.drip.interval:g}s)"

    async def deliver(self, spec: FaultFields, wire: Wire, receive: Receive,
                      send: Send) -> None:
        assert spec.drip is not None
        chunk, interval = max(1, spec.drip.chunk_bytes), spec.drip.interval
        await send({"type": "http.response.start", "status": wire.status_code,
                    "headers": wire.raw_headers})
        body = wire.payload
        for offset in range(0, len(body), chunk):
            last = offset + chunk >= len(body)
            await send({"type": "http.response.body", "body": body[offset:offset + chunk],
                        "more_body": not last})
            if not last and not await wire.pause(interval):
                return
        if not body:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


# Exclusive: a fault has at most one of these (latency combines with any).
EFFECTS: Final[tuple[Effect, ...]] = (ErrorEffect(), StatusEffect(), HangEffect(),
                                      ResetEffect(), TruncateEffect(), DripEffect())


# --- the connection, for effects delivered on the wire -----------------------------------
#
# Reset and truncation need the connection itself. Under uvicorn (what `faxage-sim serve`
# and the pytest plugin run) it is reached through the server's `receive` callable;
# elsewhere (an in-process client) a reset raises `ConnectionResetError` into the caller and
# a truncated body simply ends early.

def transport_of(receive: Receive) -> asyncio.Transport | None:
    """The connection under uvicorn: its `receive` is a method of the request cycle."""
    cycle: Any = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    return transport if isinstance(transport, asyncio.Transport) else None


async def reset_connection(receive: Receive) -> None:
    transport = transport_of(receive)
    if transport is None:
        raise ConnectionResetError("faxage-sim fault: connection reset by peer")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            # Linger 0: close with a TCP RST rather than an orderly FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    await let_server_notice()


async def let_server_notice() -> None:
    # The server learns of the closed connection on a later loop turn; returning before it
    # does would make it log an incomplete response as an application error.
    for _ in range(3):
        await asyncio.sleep(0)
