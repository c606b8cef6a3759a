"""`pytest --faxage-sim-keep`: after the session, keep the emulator up for a person to look at
the failed tests' accounts in the dashboard, until Ctrl-C."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ..harness.handle import SimHandle


def wait_for_the_developer(config: pytest.Config, handles: Sequence[SimHandle],
                           stop: threading.Event | None = None) -> None:
    """Print each kept account's dashboard URL and wait for Ctrl-C (or `stop`)."""
    lines = ["", "faxage-sim: kept the accounts of failed tests; the emulator runs until Ctrl-C:"]
    for handle in handles:
        if not handle.in_process:
            lines.append(f"  {handle.url}/_sim/ui/jobs?company={handle.company}")
        else:
            lines.append(f"  company {handle.company} (in-process: no URL; use the "
                         "faxage_sim fixture for a socket)")
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            print("\n".join(lines), flush=True)
    else:
        print("\n".join(lines), flush=True)
    try:
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        for handle in handles:
            handle.close()
