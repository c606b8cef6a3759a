"""faxage-sim: a local, protocol-faithful emulator of the FAXAGE Internet fax API."""

from __future__ import annotations

import importlib
import sys
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.abc import Loader as _LoaderBase

    from .harness.embedded import EmbeddedSimulator, simulator
    from .harness.handle import SimError, SimHandle, connect
    from .server.version import VERSION as __version__
else:
    _LoaderBase = object  # see _MovedModules

# Modules that moved, by their old name: importing the old name gives the module itself
# (same object, so classes, globals and monkeypatching are shared), and `python -m` runs it.
# Type checkers read the `.pyi` stub left at each old name of the harness (`MOVED`); the
# loose modules moved into server/, cli/ and faults/ keep their old names at run time only
# (`MOVED_WITHOUT_STUBS`: the package uses only the new names, tests/test_layers.py).
MOVED = {f"{__name__}.{name}": f"{__name__}.harness.{name}"
         for name in ("handle", "embedded", "inprocess", "expectations")}
MOVED_WITHOUT_STUBS = {f"{__name__}.{old}": f"{__name__}.{new}" for old, new in {
    "app": "server.app", "state": "server.state", "config": "server.config",
    "background": "server.background", "tls": "server.tls", "console": "server.console",
    "control_console": "server.control_console", "journal": "server.journal",
    "fault_effects": "faults.effects", "usage": "cli.usage", "ci": "cli.ci",
    "protocol_doc": "cli.protocol_doc",  # `python -m faxage_sim.protocol_doc --write`
}.items()}
_OLD_NAMES = {**MOVED, **MOVED_WITHOUT_STUBS}


class _MovedModules(_LoaderBase):
    """A meta path finder (and loader) that answers an old module name with the new one.

    Duck-typed, not derived from `importlib.abc`: importing that costs ~15 ms (it pulls in
    importlib.resources and tempfile), paid by every `import faxage_sim` and so by every
    pytest run that has the plugin installed."""

    def find_spec(self, fullname: str, path: Any = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname not in _OLD_NAMES:
            return None
        return ModuleSpec(fullname, self)

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        module = importlib.import_module(_OLD_NAMES[spec.name])
        spec.loader_state = module.__spec__  # the import system now sets `spec` on it...
        return module

    def exec_module(self, module: ModuleType) -> None:
        assert module.__spec__ is not None
        module.__spec__ = module.__spec__.loader_state  # ...so it gets its own back

    def get_code(self, fullname: str) -> Any:
        """`python -m <old name>`: run the module under its new name as `__main__`."""
        return compile(f"import runpy\nrunpy.run_module({_OLD_NAMES[fullname]!r}, "
                       "run_name='__main__', alter_sys=True)\n", fullname, "exec")


if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
    sys.meta_path.insert(0, _MovedModules())

# The Python API, imported on first use: `import faxage_sim` (and so the pytest plugin, which
# pytest loads in every run) stays cheap.
# The version too: it lives in a module of its own (server/version.py) that the parts reporting
# it import, instead of this package root.
_LAZY = {
    "EmbeddedSimulator": "harness.embedded", "simulator": "harness.embedded",
    "SimHandle": "harness.handle", "SimError": "harness.handle", "connect": "harness.handle",
    "__version__": "server.version",
}
__all__ = ["EmbeddedSimulator", "SimError", "SimHandle", "__version__", "connect", "simulator"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'faxage_sim' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__),
                    "VERSION" if name == "__version__" else name)
    globals()[name] = value
    return value
