"""The harness lives in `faxage_sim.harness`; every old import path still works."""

from __future__ import annotations

import importlib
from pathlib import Path

import faxage_sim
from faxage_sim import MOVED


def test_every_old_module_name_is_the_moved_module_itself() -> None:
    assert sorted(MOVED) == ["faxage_sim.embedded", "faxage_sim.expectations",
                             "faxage_sim.handle", "faxage_sim.inprocess"]
    for old, new in MOVED.items():
        module = importlib.import_module(old)
        assert module is importlib.import_module(new)
        assert module.__name__ == new and module.__spec__ is not None \
            and module.__spec__.name == new


def test_names_imported_from_old_paths_are_the_same_objects() -> None:
    from faxage_sim.embedded import EmbeddedSimulator
    from faxage_sim.handle import SimError, SimHandle, connect
    from faxage_sim.harness import embedded, handle

    assert (EmbeddedSimulator, SimHandle, SimError, connect) == (
        embedded.EmbeddedSimulator, handle.SimHandle, handle.SimError, handle.connect)
    assert faxage_sim.SimHandle is handle.SimHandle


def test_type_checkers_find_a_stub_at_every_old_name() -> None:
    package = Path(faxage_sim.__file__).parent
    for old, new in MOVED.items():
        stub = package / (old.rsplit(".", 1)[1] + ".pyi")
        assert f"from .harness.{new.rsplit('.', 1)[1]} import *" in stub.read_text()
