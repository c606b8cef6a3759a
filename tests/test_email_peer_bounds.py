"""A mail server is a peer: one that drips or never ends its reply costs one message (recorded
as not sent), within the conversation's deadline and a byte budget."""

from __future__ import annotations

import socket
import time
from email.message import EmailMessage

import pytest

from faxage_sim.notify.email import MAX_SMTP_REPLY_BYTES, SmtpSettings, send_now

from .helpers import DEADLINE
from .receivers import ScriptedPeer


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "a@example.com", "b@example.com", "x"
    mail.set_content("hello")
    return mail


class SmtpPeer(ScriptedPeer):
    """Speaks first, as an SMTP server does (no request to read)."""

    def _answer(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        self.sent.append(0)
        try:
            conn.sendall(self.head)
            piece = b"250-" + b"x" * (self.chunk - 6) + b"\r\n" if self.chunk > 6 else b"2"
            while not self.stop.is_set():
                conn.sendall(piece)
                self.sent[-1] += len(piece)
                if self.interval and self.stop.wait(self.interval):
                    return
        except OSError:
            self.closed.set()
        finally:
            conn.close()


def host_port(peer: ScriptedPeer) -> tuple[str, int]:
    host, port = peer.sock.getsockname()[:2]
    return str(host), int(port)


def test_a_dripping_mail_server_ends_at_the_conversations_deadline() -> None:
    with SmtpPeer(b"", None, 1, 0.1) as peer:
        started = time.monotonic()
        with pytest.raises(OSError):
            send_now(SmtpSettings(*host_port(peer), timeout=1.0), message())
        took = time.monotonic() - started
    assert 0.9 <= took < DEADLINE / 4  # the per-read timeout alone would never end it


def test_an_endless_reply_is_read_only_up_to_its_budget() -> None:
    with SmtpPeer(b"", None, 1024, 0.0) as peer, \
            pytest.raises(OSError, match="replies passed"):
        send_now(SmtpSettings(*host_port(peer), timeout=30.0), message())
    assert MAX_SMTP_REPLY_BYTES == 64 * 1024
