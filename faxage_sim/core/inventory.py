"""The rate-center inventory: the NPANXXs the simulated FAXAGE serves and its spare numbers.

One table serves `portable` (httpsfax.php), `provision.php` (listac, listnpanxx, listdids,
provdid, deprovdid) and the numbers new accounts are given. It is generated from the seed
(same seed, same inventory) on first use, so start-up does not pay for it. Numbers it hands out
avoid exchange 555 and the magic suffixes (docs/protocol.md). Every exchange is one
libphonenumber places where its rate center says ("Denver, CO" for 303-297) and calls a fixed
line (toll-free ones: toll-free); `faker` names people and companies, never places.
"""

from __future__ import annotations

import random
from typing import Final

import msgspec

# The area codes served (one per state, 25 states): their rate centers are drawn, seeded, from
# the places libphonenumber knows (nanp_places, generated from it).
SERVED_AREA_CODES: Final = (
    "303", "212", "415", "312", "206", "617", "305", "404", "214", "602", "503", "612", "313",
    "215", "702", "801", "504", "615", "816", "919", "808", "317", "414", "505", "402",
)
SERVED_TOLL_FREE_NPAS: Final = ("800", "888", "877")
TOLL_FREE: Final = "Toll-Free"
# Exchanges that always exist: the default account's numbers live in 303-297.
FIXED_NPANXX: Final = {"303297": ("Denver", "CO")}
NPANXX_PER_AREA: Final = 3
NUMBERS_PER_NPANXX: Final = 8


class RateCenter(msgspec.Struct, frozen=True):
    """A place numbers come from: an NPA-NXX prefix, its city and state."""

    npanxx: str
    name: str
    state: str


class Inventory(msgspec.Struct):
    """The numbers an emulator can hand out, by rate center, and those it already did."""

    seed: int = 0
    _centers: dict[str, RateCenter] = msgspec.field(default_factory=dict)
    _available: dict[str, set[str]] = msgspec.field(default_factory=dict)
    _handed_out: set[str] = msgspec.field(default_factory=set)
    _rng: random.Random | None = None
    _built: bool = False

    # --- generation ------------------------------------------------------------------

    def _build(self) -> None:
        if self._built:
            return
        self._built = True
        from .nanp_places import RATE_CENTERS, TOLL_FREE_NPANXXS  # only when first used

        rng = self._rng = random.Random(self.seed)
        for npanxx, (name, state) in FIXED_NPANXX.items():
            self._centers[npanxx] = RateCenter(npanxx, name, state)
        for npa in SERVED_AREA_CODES:
            known = [c for c in RATE_CENTERS if c[0][:3] == npa and c[0] not in self._centers]
            wanted = NPANXX_PER_AREA - sum(1 for n in self._centers if n[:3] == npa)
            for npanxx, name, state in rng.sample(known, min(wanted, len(known))):
                self._centers[npanxx] = RateCenter(npanxx, name, state)
        for npanxx in TOLL_FREE_NPANXXS:
            if npanxx[:3] in SERVED_TOLL_FREE_NPAS:
                self._centers[npanxx] = RateCenter(npanxx, TOLL_FREE, TOLL_FREE)
        for npanxx in sorted(self._centers):
            numbers: set[str] = set()
            while len(numbers) < NUMBERS_PER_NPANXX:
                numbers.add(self._new_line(npanxx, rng))
            self._available[npanxx] = numbers

    def _new_line(self, npanxx: str, rng: random.Random) -> str:
        while True:
            number = f"{npanxx}{rng.randint(1000, 9999)}"
            if number not in self._handed_out:
                return number

    # --- queries ---------------------------------------------------------------------

    def serves(self, number: str) -> bool:
        """`portable`: is the number's NPANXX a rate center the simulator serves?"""
        self._build()
        return number[:6] in self._centers

    def rate_center(self, npanxx: str) -> RateCenter | None:
        self._build()
        return self._centers.get(npanxx)

    def area_codes(self) -> list[str]:
        """Area codes with at least one available number, ascending."""
        self._build()
        return sorted({n[:3] for n, nums in self._available.items() if nums})

    def npanxxs(self, area_code: str | None = None) -> list[RateCenter]:
        self._build()
        return [self._centers[n] for n in sorted(self._available)
                if self._available[n] and (area_code is None or n.startswith(area_code))]

    def available_numbers(self, area_code: str | None = None,
                          npanxx: str | None = None) -> list[str]:
        self._build()
        prefix = npanxx if npanxx else (area_code or "")
        return sorted(num for n, nums in self._available.items() if n.startswith(prefix)
                      for num in nums)

    def rate_centers(self) -> list[tuple[RateCenter, list[str]]]:
        """Every rate center served, with its available numbers; both ascending."""
        self._build()
        return [(self._centers[n], sorted(self._available.get(n, ())))
                for n in sorted(self._centers)]

    def is_available(self, number: str) -> bool:
        self._build()
        return number in self._available.get(number[:6], set())

    # --- changes ---------------------------------------------------------------------

    def take(self, number: str) -> bool:
        """Remove an available number (provisioning); False if it is not available."""
        self._build()
        pool = self._available.get(number[:6])
        if pool is None or number not in pool:
            return False
        pool.remove(number)
        self._handed_out.add(number)
        return True

    def give_back(self, number: str) -> None:
        """A deprovisioned number returns to the inventory (if its rate center is served)."""
        self._build()
        self._handed_out.discard(number)
        pool = self._available.get(number[:6])
        if pool is not None:
            pool.add(number)

    def add_rate_center(self, npanxx: str, name: str, state: str,
                        numbers: list[str] | None = None) -> None:
        """Extend the table (scenario files)."""
        self._build()
        self._centers[npanxx] = RateCenter(npanxx, name, state)
        pool = self._available.setdefault(npanxx, set())
        pool.update(n for n in numbers or [] if n not in self._handed_out)

    def clear(self) -> None:
        """Empty the table (a scenario that replaces it)."""
        self._build()
        self._centers.clear()
        self._available.clear()

    def mark_owned(self, numbers: list[str]) -> None:
        """Numbers an account already has: never offered, never handed out again."""
        for number in numbers:
            self._handed_out.add(number)
            pool = self._available.get(number[:6])
            if pool is not None:
                pool.discard(number)

    def allocate(self, count: int) -> list[str]:
        """Fresh numbers for a new account, in served rate centers but outside the spare
        pool, so creating accounts never uses up what provision.php offers."""
        self._build()
        assert self._rng is not None
        local = sorted(n for n, c in self._centers.items() if c.state != TOLL_FREE)
        if not local:
            # A scenario emptied the table: new accounts still get numbers, from the
            # simulator's own exchange (not offered by provision.php, not portable).
            local = sorted(FIXED_NPANXX)
        found: list[str] = []
        while len(found) < count:
            npanxx = self._rng.choice(local)
            number = self._new_line(npanxx, self._rng)
            if number in self._available.get(npanxx, set()):
                continue
            self._handed_out.add(number)
            found.append(number)
        return found
