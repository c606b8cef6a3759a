"""`python -m faxage_sim` and the `faxage-sim` command.

Ctrl-C while the command's modules are still loading ends it with one line, like Ctrl-C
later on (`usage.run_cleanly`), instead of a KeyboardInterrupt traceback from an import.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType


def _interrupted_while_loading(signum: int, frame: FrameType | None) -> None:
    sys.stderr.write("faxage-sim: interrupted\n")
    sys.stderr.flush()
    os._exit(130)  # nothing has started yet: nothing to clean up


def run() -> int:
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupted_while_loading)
    from .server import collector

    collector.hold()  # released at the ready line (serve) or before any other command runs
    from .cli.commands import main
    from .cli.usage import INTERRUPTED

    signal.signal(signal.SIGINT, signal.default_int_handler)
    status = main()
    if status == INTERRUPTED:
        # An interrupt that landed inside exec()/eval() of a string (dataclasses, namedtuple)
        # makes CPython 3.11 end the process by SIGINT at exit, whatever the exit code; the
        # interrupt is handled, so leave with the code we chose.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


if __name__ == "__main__":
    raise SystemExit(run())
