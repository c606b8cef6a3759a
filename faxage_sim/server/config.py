"""Settings of one emulator instance (from the CLI, the pytest plugin or a scenario)."""

from __future__ import annotations

import msgspec

from ..core.clock import ClockMode
from ..core.outbox import DEFAULT_SENDER

DEFAULT_MAX_BODY = 64 * 1024 * 1024  # bytes, like a generous PHP post_max_size
DEFAULT_JOURNAL_LIMIT = 100_000
DEFAULT_FETCH_TIMEOUT = 30.0  # real seconds for one URL-mode fetch
DEFAULT_FETCH_MAX_BYTES = 32 * 1024 * 1024


class SimConfig(msgspec.Struct):
    """One emulator's start-up settings, from the command line or the pytest plugin."""

    host: str = "127.0.0.1"
    port: int = 8080
    clock: ClockMode = ClockMode.REALTIME
    speed: float = 1.0
    start: float | None = None
    seed: int = 0
    max_body: int = DEFAULT_MAX_BODY
    journal_limit: int = DEFAULT_JOURNAL_LIMIT
    log_requests: bool = True
    log_format: str = "text"
    # em_notify over SMTP: (host, port) of a relay, None keeps emails in the outbox only.
    smtp: tuple[str, int] | None = None
    smtp_from: str = DEFAULT_SENDER
    # sendfax URL mode: fetch=False (--no-fetch) makes every URL a one-page HTML document.
    fetch: bool = True
    fetch_timeout: float = DEFAULT_FETCH_TIMEOUT  # real seconds
    fetch_max_bytes: int = DEFAULT_FETCH_MAX_BYTES
    ui: bool = True  # the web dashboard at /_sim/ui/ (serve --no-ui turns it off)
    # The /_sim/ control plane (docs/security.md): off with --no-control; the token it
    # requires (None: none, only on loopback); extra Host names it answers (--allow-host).
    control: bool = True
    control_token: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    # Passwords in clear in GET /_sim/accounts and the ready line (--show-passwords).
    show_passwords: bool = False
