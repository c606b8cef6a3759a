"""North American numbering rules: what a valid fax number is and which are blocked.

The blocked list follows docs/protocol.md (sendfax, ERR05): NXX 555, N11 codes as area
code or exchange, area codes starting 0/1, non-geographic codes, and NANP areas outside the
continental US, Canada and Hawaii.
"""

from __future__ import annotations

from typing import Final

# Non-geographic and special-purpose area codes (toll-free 8XX stays dialable).
NON_GEOGRAPHIC_NPAS: Final = frozenset(
    {"456", "500", "521", "522", "523", "524", "525", "526", "527", "528", "529", "533",
     "544", "566", "577", "588", "600", "622", "700", "710", "900", "950", "958", "959",
     "976"}
)
# NANP members outside the continental US, Canada and Hawaii (Alaska included, as FAXAGE says).
OUTSIDE_SERVICE_AREA_NPAS: Final = frozenset(
    {"907",  # Alaska
     "242", "246", "264", "268", "284", "340", "345", "441", "473", "649", "658", "664",
     "670", "671", "684", "721", "758", "767", "784", "787", "809", "829", "849", "868",
     "869", "876", "939"}
)
BLOCKED_EXCHANGES: Final = frozenset({"555", "976"})


def is_ten_digits(value: str | None) -> bool:
    return value is not None and len(value) == 10 and value.isascii() and value.isdigit()


def _is_n11(code: str) -> bool:
    return code[1:] == "11"


def is_blocked(number: str) -> bool:
    """True when FAXAGE refuses to dial a 10-digit number (ERR05)."""
    npa, nxx = number[:3], number[3:6]
    if npa[0] in "01" or nxx[0] in "01":
        return True
    if _is_n11(npa) or _is_n11(nxx):
        return True
    if nxx in BLOCKED_EXCHANGES:
        return True
    return npa in NON_GEOGRAPHIC_NPAS or npa in OUTSIDE_SERVICE_AREA_NPAS


def format_display(number: str) -> str:
    """`(XXX)XXX-XXXX`, the form listfax uses for CID and DNIS."""
    return f"({number[:3]}){number[3:6]}-{number[6:]}"
