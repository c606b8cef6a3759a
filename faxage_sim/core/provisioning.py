"""Numbers moving between the rate-center inventory and an account (provision.php).

A provisioned number leaves the inventory and joins the account's DIDs, so it is listed by
`listlines`, receives inbound traffic and can be disabled; a deprovisioned one leaves the
account (and any user's grant) and returns to the inventory. The simulator runs on one thread
and each step below is synchronous, so of two accounts asking for one number exactly one gets
it: `Inventory.take` succeeds once.
"""

from __future__ import annotations

from .accounts import Account, User
from .inventory import Inventory


def provision(inventory: Inventory, account: Account, user: User, number: str) -> bool:
    """Give an available number to the account; False when it is not available."""
    if not inventory.take(number):
        return False
    account.dids.append(number)
    if not user.manager and number not in user.dids:
        # A non-manager sees only the DIDs granted to them: grant what they provisioned.
        user.dids.append(number)
    return True


def deprovision(inventory: Inventory, account: Account, number: str) -> bool:
    """Take a number from the account back to the inventory; False when it is not theirs."""
    if not account.owns_did(number):
        return False
    account.dids.remove(number)
    account.disabled_dids.discard(number)
    for user in account.users.values():
        if number in user.dids:
            user.dids.remove(number)
    inventory.give_back(number)
    return True
