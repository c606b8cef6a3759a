"""Sends em_notify emails from the core's outbox over SMTP (`--smtp HOST:PORT`).

Each queued message is sent with the standard library's `smtplib` in a worker thread, so an
API answer never waits for a mail server; the result (sent, or the SMTP error) is recorded on
the message and shown by `GET /_sim/emails`. A failure is never retried (like a callback's
single attempt by default) and never reaches the API.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

import msgspec

from ..server.background import BackgroundTasks, running_loop

if TYPE_CHECKING:
    from email.message import EmailMessage

    from ..core.outbox import OutboxMessage
    from ..core.simulator import Simulator

DEFAULT_SMTP_TIMEOUT: Final = 10.0  # seconds, real


class SmtpSettings(msgspec.Struct, frozen=True):
    """Where notification email goes: an SMTP server and how long to wait for it."""

    host: str
    port: int
    timeout: float = DEFAULT_SMTP_TIMEOUT


def parse_host_port(text: str) -> tuple[str, int]:
    """`HOST:PORT` (IPv6 as `[::1]:25`); ValueError with a readable message otherwise."""
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


def as_email(message: OutboxMessage) -> EmailMessage:
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    mail = EmailMessage()
    mail["From"] = message.sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    # Dated at the job's completion on the simulated clock, like the record it carries.
    mail["Date"] = format_datetime(datetime.fromtimestamp(message.at, UTC))
    mail["Message-ID"] = make_msgid(f"job{message.jobid}.{message.id}", "faxage-sim.localhost")
    mail.set_content(message.body)
    return mail


# A mail server is a peer: of its replies at most this many bytes are read in one
# conversation, and the whole conversation gets `SmtpSettings.timeout` seconds (a watchdog
# shuts the socket down then; the per-read timeout alone never trips on a server that drips).
MAX_SMTP_REPLY_BYTES: Final = 64 * 1024


class _CappedReplies:
    """The server's side of the conversation, read through a byte budget."""

    def __init__(self, file: Any, budget: int) -> None:
        self.file, self.left = file, budget

    def readline(self, size: int = -1) -> bytes:
        line: bytes = self.file.readline(size)
        self.left -= len(line)
        if self.left < 0:
            raise OSError(f"the mail server's replies passed {MAX_SMTP_REPLY_BYTES} bytes")
        return line

    def close(self) -> None:
        self.file.close()


def send_now(settings: SmtpSettings, mail: EmailMessage) -> None:
    """One SMTP conversation (blocking: run it in a thread), bounded in time and bytes."""
    import smtplib
    import socket
    import threading

    class BoundedSmtp(smtplib.SMTP):
        watchdog: threading.Timer | None = None

        def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
            sock: socket.socket = super()._get_socket(host, port, timeout)  # type: ignore[misc]
            self.watchdog = threading.Timer(settings.timeout, _shut, (sock,))
            self.watchdog.daemon = True
            self.watchdog.start()
            return sock

        def getreply(self) -> tuple[int, bytes]:
            if self.file is None and self.sock is not None:
                self.file = _CappedReplies(self.sock.makefile("rb"), MAX_SMTP_REPLY_BYTES)
            return super().getreply()

    smtp = BoundedSmtp(timeout=settings.timeout)
    try:
        smtp.connect(settings.host, settings.port)
        smtp.send_message(mail)
        smtp.quit()
    finally:
        if smtp.watchdog is not None:
            smtp.watchdog.cancel()
        smtp.close()


def _shut(sock: Any) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(2)  # SHUT_RDWR: a blocked read in the sending thread returns at once


class MailRelay:
    def __init__(self, sim: Simulator, settings: SmtpSettings | None) -> None:
        self.sim = sim
        self.settings = settings
        self._tasks = BackgroundTasks()
        sim.outbox.relay_enabled = settings is not None
        sim.outbox.on_ready = self.kick

    def kick(self) -> None:
        """Start sending every queued message (called on the event loop's thread)."""
        if running_loop() is None:
            return  # no loop yet: `settle` sends them
        ready = self.sim.outbox.ready
        while ready:
            self._tasks.spawn(self._send(ready.popleft()))

    async def _send(self, message: OutboxMessage) -> None:
        error: str | None = None
        if self.settings is None:
            error = "no SMTP relay configured"
        else:
            try:
                await asyncio.to_thread(send_now, self.settings, as_email(message))
            except OSError as exc:  # smtplib.SMTPException is an OSError
                error = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # a malformed address and the like: recorded
                error = f"{type(exc).__name__}: {exc}"
        self.sim.outbox.record_result(message, error)

    @property
    def busy(self) -> bool:
        return bool(self._tasks) or bool(self.sim.outbox.ready)

    async def settle(self, deadline: float | None = None) -> None:
        """Wait until every queued message has been tried (or until the loop time `deadline`:
        what is still being sent goes on)."""
        await self._tasks.drain(self.kick, deadline)

    async def aclose(self) -> None:
        self._tasks.cancel()
