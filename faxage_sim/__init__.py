"""faxage-sim: a local, protocol-faithful emulator of the FAXAGE Internet fax API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .embedded import EmbeddedSimulator, simulator
    from .handle import SimError, SimHandle, connect

# The Python API, imported on first use: `import faxage_sim` (and so the pytest plugin, which
# pytest loads in every run) stays cheap.
_LAZY = {
    "EmbeddedSimulator": "embedded", "simulator": "embedded",
    "SimHandle": "handle", "SimError": "handle", "connect": "handle",
}
__all__ = ["EmbeddedSimulator", "SimError", "SimHandle", "__version__", "connect", "simulator"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'faxage_sim' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
