"""Generate `core/nanp_data.py` (area-code classes) and `core/nanp_places.py` (rate centers)
from Google's libphonenumber data (the `phonenumbers` package).

    python -m faxage_sim.core.nanp_build --write     # rewrite the committed tables
    python -m faxage_sim.core.nanp_build             # print them

The emulator's numbers and places come from libphonenumber, but its geocoder data costs about
half a second to import (all of North America's prefixes). The few hundred rate centers and
the area-code classes the emulator uses are therefore drawn here, once, into small committed
modules (the classes are on the request path; the places are imported only when an inventory
or traffic is first made); tests/test_core_nanp.py checks they still agree with the installed
library.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Final

CLASSES_PATH: Final = Path(__file__).with_name("nanp_data.py")
PLACES_PATH: Final = Path(__file__).with_name("nanp_places.py")
# One area code per state (and DC): the rate centers the simulated FAXAGE serves and where
# inbound callers dial from. Alaska (907) is outside FAXAGE's service area.
AREA_CODES: Final = (
    "205", "206", "207", "208", "212", "214", "215", "303", "304", "305", "307", "312",
    "313", "317", "319", "401", "402", "404", "405", "406", "414", "415", "501", "502", "503",
    "504", "505", "515", "601", "602", "603", "605", "612", "615", "617", "701", "702", "785",
    "801", "802", "803", "808", "816", "860", "919", "302",
)
# Rate centers drawn per area code (spread over its known prefixes), and sample lines whose
# classification must agree, so that every number in a drawn NPA-NXX is a fixed line.
PER_AREA_CODE: Final = 12
# Always drawn when the library places them: the default account's exchange (Denver).
REQUIRED_NPANXXS: Final = ("303297",)
SAMPLE_LINES: Final = ("0000", "2000", "4100", "9999")
GEOGRAPHIC_TYPES: Final = ("FIXED_LINE", "FIXED_LINE_OR_MOBILE")
NON_GEOGRAPHIC_TYPES: Final = ("PREMIUM_RATE", "SHARED_COST", "VOIP", "PERSONAL_NUMBER",
                               "PAGER", "UAN", "VOICEMAIL")
# Exchanges sampled to classify a whole area code.
SAMPLE_EXCHANGES: Final = ("234", "345", "456", "567", "678", "789", "890", "923", "272",
                           "383", "494", "505", "616", "727", "838", "949")
PLACE: Final = re.compile(r"([A-Za-z .'-]+), ([A-Z]{2})")


def _type_name(number_type: int) -> str:
    from phonenumbers import PhoneNumberType

    return next((name for name, value in vars(PhoneNumberType).items()
                 if value == number_type and name.isupper()), "UNKNOWN")


def classify(number: str) -> str:
    """libphonenumber's type of a 10-digit NANP number (`INVALID` when it is not valid)."""
    import phonenumbers

    parsed = phonenumbers.parse("+1" + number)
    if not phonenumbers.is_valid_number(parsed):
        return "INVALID"
    return _type_name(phonenumbers.number_type(parsed))


def place(number: str) -> str:
    """The geocoder's English description (`Denver, CO`), empty when it knows none."""
    import phonenumbers
    from phonenumbers import geocoder

    return str(geocoder.description_for_number(phonenumbers.parse("+1" + number), "en"))


def area_code_class(npa: str) -> str:
    """The type most sampled exchanges of the area code have (`INVALID`: unassigned)."""
    types = [classify(f"{npa}{nxx}4567") for nxx in SAMPLE_EXCHANGES]
    valid = [t for t in types if t != "INVALID"]
    return max(sorted(set(valid)), key=valid.count) if valid else "INVALID"


def foreign_area_codes() -> list[str]:
    """NANP area codes libphonenumber puts in a region other than the US or Canada."""
    import phonenumbers
    from phonenumbers.phonemetadata import PhoneMetadata

    patterns = []
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1]:
        metadata = PhoneMetadata.metadata_for_region(region)
        if region not in ("US", "CA") and metadata is not None and metadata.leading_digits:
            patterns.append(re.compile(f"(?:{metadata.leading_digits})"))
    return [str(npa) for npa in range(200, 1000)
            if any(p.fullmatch(str(npa)) for p in patterns)]


def _split_prefixes(npa: str) -> set[str]:
    """Exchanges of `npa` whose lines the geocoder places differently (longer prefixes)."""
    from phonenumbers.geodata import GEOCODE_DATA

    return {key[4:7] for key in GEOCODE_DATA if key.startswith("1" + npa) and len(key) > 7}


def rate_centers(npa: str) -> list[tuple[str, str, str]]:
    """Up to PER_AREA_CODE (npanxx, city, state), spread over the exchanges of `npa` that
    libphonenumber places in a city, whose every line is a geographic number."""
    from .numbering import is_blocked_by_pattern

    split = _split_prefixes(npa)
    known: list[tuple[str, str, str]] = []
    for nxx in range(200, 1000):
        npanxx = f"{npa}{nxx}"
        if str(nxx) in split or is_blocked_by_pattern(npanxx + "2000"):
            continue
        found = PLACE.fullmatch(place(npanxx + "2000"))
        if found is None:
            continue
        if all(classify(npanxx + line) in GEOGRAPHIC_TYPES for line in SAMPLE_LINES):
            known.append((npanxx, found.group(1), found.group(2)))
    if len(known) <= PER_AREA_CODE:
        return known
    step = len(known) / PER_AREA_CODE
    drawn = {known[int(i * step)] for i in range(PER_AREA_CODE)}
    drawn.update(center for center in known if center[0] in REQUIRED_NPANXXS)
    return sorted(drawn)


def toll_free_exchanges(npa: str, count: int = 2) -> list[str]:
    """The first `count` NPA-NXXs of a toll-free area code the library calls toll-free."""
    from .numbering import is_blocked_by_pattern

    found = [f"{npa}{nxx}" for nxx in range(200, 1000)
             if not is_blocked_by_pattern(f"{npa}{nxx}2000")
             and all(classify(f"{npa}{nxx}{line}") == "TOLL_FREE" for line in SAMPLE_LINES)]
    return found[:count]


def _codes(name: str, codes: list[str], kind: str = "frozenset") -> Iterator[str]:
    """A wrapped `NAME: Final = frozenset((...))` (the file stays within the line length)."""
    yield f"{name}: Final = {kind}(("
    for start in range(0, len(codes), 12):
        yield "    " + " ".join(f"{code!r}," for code in codes[start:start + 12])
    yield "))"


def _header(what: str, version: str) -> Iterator[str]:
    yield f'"""{what} drawn from libphonenumber. Generated: do not edit.'
    yield ""
    yield "Made by `python -m faxage_sim.core.nanp_build --write` with phonenumbers"
    yield f"{version}; tests/test_core_nanp.py checks it against the library."
    yield '"""'
    yield ""
    yield "from typing import Final"
    yield ""


def _class_lines() -> Iterator[str]:
    import phonenumbers

    classes = {str(npa): area_code_class(str(npa)) for npa in range(200, 1000)}
    toll_free = sorted(n for n, c in classes.items() if c == "TOLL_FREE")
    non_geographic = sorted(n for n, c in classes.items() if c in NON_GEOGRAPHIC_TYPES)
    yield from _header("NANP area-code classes", phonenumbers.__version__)
    yield f'LIBRARY_VERSION: Final = "{phonenumbers.__version__}"'
    yield "# Area codes by libphonenumber's type of their numbers."
    yield from _codes("TOLL_FREE_NPAS", toll_free, "tuple")
    yield "# Premium rate, personal numbers, VoIP and the other non-geographic types."
    yield from _codes("NON_GEOGRAPHIC_NPAS", non_geographic)
    yield "# NANP area codes of regions other than the US and Canada."
    yield from _codes("FOREIGN_NPAS", foreign_area_codes())


def _place_lines() -> Iterator[str]:
    import phonenumbers

    from .nanp_data import TOLL_FREE_NPAS

    yield from _header("NANP rate centers", phonenumbers.__version__)
    yield "# (npanxx, city, state): exchanges libphonenumber places in a city, all lines fixed."
    yield "RATE_CENTERS: Final = ("
    for npa in AREA_CODES:
        for npanxx, city, state in rate_centers(npa):
            yield f"    ({npanxx!r}, {city!r}, {state!r}),"
    yield ")"
    yield "# Toll-free NPA-NXXs the library calls toll-free."
    exchanges = [x for npa in TOLL_FREE_NPAS for x in toll_free_exchanges(npa, 1)]
    yield from _codes("TOLL_FREE_NPANXXS", exchanges, "tuple")


def render_classes() -> str:
    return "\n".join(_class_lines()) + "\n"


def render_places() -> str:
    return "\n".join(_place_lines()) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faxage_sim.core.nanp_build",
                                     description="Generate core/nanp_data.py and nanp_places.py.")
    parser.add_argument("--write", action="store_true",
                        help=f"rewrite {CLASSES_PATH.name} and {PLACES_PATH.name}")
    args = parser.parse_args(argv)
    # The classes first: the places avoid what they block.
    for path, render in ((CLASSES_PATH, render_classes), (PLACES_PATH, render_places)):
        text = render()
        if args.write:
            path.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
