"""North American numbering rules: what a valid fax number is and which are blocked.

The blocked list follows docs/protocol.md (sendfax, ERR05): NXX 555, N11 codes as area
code or exchange, area codes starting 0/1, non-geographic codes, and NANP areas outside the
continental US, Canada and Hawaii. Which area codes are toll-free, non-geographic or of
another NANP country is libphonenumber's classification (`nanp_data`, generated from it);
where the contract blocks more than the library's classes say, the extra codes are listed
here and in docs/protocol.md (decision `err05-text`).
"""

from __future__ import annotations

from typing import Final

from . import nanp_data

# Codes the contract blocks although libphonenumber has them unassigned (it calls their
# numbers invalid, not non-geographic): 456 (international inbound), 700, 710 (government),
# 950, 958, 959 (carrier access and test), 976 (information services).
CONTRACT_NON_GEOGRAPHIC_NPAS: Final = frozenset(
    {"456", "700", "710", "950", "958", "959", "976"})
# Non-geographic and special-purpose area codes (toll-free 8XX stays dialable).
NON_GEOGRAPHIC_NPAS: Final = nanp_data.NON_GEOGRAPHIC_NPAS | CONTRACT_NON_GEOGRAPHIC_NPAS
# Alaska: a US geographic code for libphonenumber, outside the service area for FAXAGE.
CONTRACT_OUTSIDE_NPAS: Final = frozenset({"907"})
# NANP members outside the continental US, Canada and Hawaii.
OUTSIDE_SERVICE_AREA_NPAS: Final = nanp_data.FOREIGN_NPAS | CONTRACT_OUTSIDE_NPAS
TOLL_FREE_NPAS: Final = nanp_data.TOLL_FREE_NPAS
# Exchanges the contract blocks in every area code (libphonenumber calls them fixed lines).
BLOCKED_EXCHANGES: Final = frozenset({"555", "976"})


def is_ten_digits(value: str | None) -> bool:
    return value is not None and len(value) == 10 and value.isascii() and value.isdigit()


def _is_n11(code: str) -> bool:
    return code[1:] == "11"


def is_blocked_by_pattern(number: str) -> bool:
    """The contract's rules that need no table: 0/1 first digits, N11 and blocked exchanges."""
    npa, nxx = number[:3], number[3:6]
    if npa[0] in "01" or nxx[0] in "01":
        return True
    if _is_n11(npa) or _is_n11(nxx):
        return True
    return nxx in BLOCKED_EXCHANGES


def is_blocked(number: str) -> bool:
    """True when FAXAGE refuses to dial a 10-digit number (ERR05)."""
    if is_blocked_by_pattern(number):
        return True
    npa = number[:3]
    return npa in NON_GEOGRAPHIC_NPAS or npa in OUTSIDE_SERVICE_AREA_NPAS


def format_display(number: str) -> str:
    """`(XXX)XXX-XXXX`, the form listfax uses for CID and DNIS."""
    return f"({number[:3]}){number[3:6]}-{number[6:]}"
