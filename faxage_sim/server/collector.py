"""The cyclic garbage collector held off while the command starts.

Start-up builds tens of thousands of long-lived objects (modules, classes, the routing, the
demo account) and no garbage worth a collection: with the collector on, CPython walks them
again and again as they are made, about a fifth of the emulator's own start-up. The command
holds the collector from its first line (`hold`) to the ready line (`release`), then freezes
what start-up built (`gc.freeze`) so later full collections no longer walk it either.

Only a hold this module made is released: embedding code (the pytest plugin, tests calling
`main`) never has its collector touched.
"""

from __future__ import annotations

import gc

_held = False


def hold() -> None:
    """Switch the collector off until `release`, if it is on."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release() -> None:
    """Undo `hold`: what start-up built is frozen out of later collections, then the
    collector runs again. Idempotent; a no-op when `hold` did not switch it off."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()
