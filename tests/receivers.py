"""A real HTTP server on 127.0.0.1 that records the form POSTs it receives."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl


@dataclass
class Received:
    path: str
    fields: dict[str, str]
    content_type: str


class CallbackReceiver:
    """Answers every POST with `status` (200 unless changed) and keeps what came."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode()
                receiver.received.append(Received(
                    self.path, dict(parse_qsl(body, keep_blank_values=True)),
                    self.headers.get("content-type", "")))
                self.send_response(receiver.status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/callback"

    def __enter__(self) -> CallbackReceiver:
        self.thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.server.shutdown()
        self.server.server_close()


class HostilePeer:
    """A receiver on 127.0.0.1 that misbehaves on purpose, on a raw socket.

    `mode`:
    * "drip": reads the request, then sends its status line one byte every `interval` s, forever;
    * "endless": answers 200 with a chunked body that never ends;
    * "huge": answers 200 with a Content-Length of 1 GB and sends as fast as it can.

    `sent` counts the bytes it managed to write per connection; `closed` is set once the
    emulator has hung up on it (a write failed)."""

    def __init__(self, mode: str, interval: float = 0.2) -> None:
        self.mode, self.interval = mode, interval
        self.sent: list[int] = []
        self.requests = 0
        self.closed = threading.Event()
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()[:2]
        return f"http://{host!s}:{port}/callback"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        self.requests += 1
        index = len(self.sent)
        self.sent.append(0)
        conn.settimeout(5)
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                more = conn.recv(65536)
                if not more:
                    return
                head += more
            if self.mode == "drip":
                for byte in b"HTTP/1.1 200 OK\r\n" * 100000:
                    if self.stop.wait(self.interval):
                        return
                    conn.sendall(bytes([byte]))
                    self.sent[index] += 1
            elif self.mode == "endless":
                conn.sendall(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
                while not self.stop.is_set():
                    conn.sendall(chunk)
                    self.sent[index] += len(chunk)
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 1000000000\r\n\r\n")
                chunk = b"x" * 0x10000
                while not self.stop.is_set():
                    conn.sendall(chunk)
                    self.sent[index] += len(chunk)
        except OSError:
            self.closed.set()
        finally:
            conn.close()

    def __enter__(self) -> HostilePeer:
        self.thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop.set()
        self.thread.join(10)
        self.sock.close()


class ScriptedPeer(HostilePeer):
    """Answers every request with `head`, then `body_bytes` bytes of body (None: without
    end), written `chunk` bytes at a time, `interval` seconds apart."""

    def __init__(self, head: bytes, body_bytes: int | None, chunk: int,
                 interval: float) -> None:
        super().__init__("scripted", interval)
        self.head, self.body_bytes, self.chunk = head, body_bytes, chunk

    def _answer(self, conn: socket.socket) -> None:
        index = len(self.sent)
        self.sent.append(0)
        self.requests += 1
        conn.settimeout(5)
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                more = conn.recv(65536)
                if not more:
                    return
                head += more
            conn.sendall(self.head)
            left = self.body_bytes
            piece = b"x" * self.chunk
            while (left is None or left > 0) and not self.stop.is_set():
                part = piece if left is None else piece[:left]
                conn.sendall(part)
                self.sent[index] += len(part)
                if left is not None:
                    left -= len(part)
                if self.interval and self.stop.wait(self.interval):
                    return
        except OSError:
            self.closed.set()
        finally:
            conn.close()
