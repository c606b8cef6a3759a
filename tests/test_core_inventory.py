"""The rate-center inventory, without HTTP."""

from __future__ import annotations

from faxage_sim.core.numbering import is_blocked
from faxage_sim.core.simulator import Simulator


def test_new_accounts_get_numbers_outside_the_spare_pool() -> None:
    sim = Simulator()
    spare = set(sim.inventory.available_numbers())
    account = sim.create_account()
    assert len(account.dids) == 2
    assert not spare & set(account.dids)
    assert all(sim.inventory.serves(d) and not is_blocked(d) for d in account.dids)
    assert set(sim.inventory.available_numbers()) == spare


def test_new_accounts_get_numbers_even_when_the_inventory_was_emptied() -> None:
    sim = Simulator()
    sim.inventory.clear()
    account = sim.create_account()
    assert len(account.dids) == 2 and all(d.startswith("303297") for d in account.dids)
    assert sim.inventory.available_numbers() == []


def test_the_default_accounts_numbers_are_never_offered() -> None:
    sim = Simulator()
    default = sim.accounts["1000"].dids
    assert all(sim.inventory.serves(d) for d in default)
    assert not set(default) & set(sim.inventory.available_numbers("303"))
