"""Account parts in a saved state: the lists a scenario's account declares (`scenario.parts`,
e.g. the port requests `portstatus` lists), one row per item in the `account_parts` table.

A row is `(company, part, seq, body)`: `part` the `Account` attribute (the part's key in a
scenario file's account), `seq` the item's place in the list, `body` its record. Each saved
part names the record class of one item and the check of its fields (`validate`); a declared
part missing here fails tests/test_persist_parts.py. A part's core calls tell an
`account.part` event (`Simulator._part_changed`), so `--state` writes that part of that
account again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.ports import PortRequest
from .codec import encode

if TYPE_CHECKING:
    from ..core.accounts import Account

TABLE = "account_parts"
EVENT_KIND = "account.part"  # data {"part": the Account attribute that changed}


@dataclass(frozen=True)
class SavedPart:
    record: type  # the class of one item
    check: Callable[[Any, str], None]  # raises validate.RecordError naming the field


def check_port_request(port: Any, where: str) -> None:
    """As `POST /_sim/accounts/{company}/ports` makes one: a ten-digit number, times within
    the stored bounds, status and comment as the schema's `port_request` allows them."""
    from ..scenario.schema import scenario_schema
    from .validate import RecordError, check_declared_text, check_time

    fields = scenario_schema()["$defs"]["port_request"]["properties"]
    if not isinstance(port.number, str) or re.fullmatch("[0-9]{10}", port.number) is None:
        raise RecordError(f"{where}, field 'number': {str(port.number)[:40]!r} is not ten "
                          "digits")
    check_time(where, "requestdate", port.requestdate)
    check_time(where, "duedate", port.duedate, optional=True)
    check_time(where, "completedate", port.completedate, optional=True)
    check_declared_text(where, "status", port.status, fields["status"])
    check_declared_text(where, "comment", port.comment, fields["comment"])
    if not isinstance(port.complete, bool):
        raise RecordError(f"{where}, field 'complete': expected true or false")


# By `Account` attribute (= the scenario AccountSpec key). A new part: its entry here, with
# the check of its fields beside it.
SAVED_PARTS: dict[str, SavedPart] = {
    "port_requests": SavedPart(PortRequest, check_port_request),
}


def where_of(company: Any, part: Any, seq: Any) -> str:
    """How a refusal names an item's row: `account 1000, port_requests 0`."""
    return f"account {company}, {part} {seq}"


def check_item(part: str, seq: int, item: Any, where: str) -> None:
    """A decoded item within the API's bounds; raises `validate.RecordError`."""
    from .validate import MAX_STORED_ID, RecordError, check_values

    if not 0 <= seq <= MAX_STORED_ID:
        raise RecordError(f"{where}: its place {seq} is not between 0 and {MAX_STORED_ID}")
    check_values(item, where)
    SAVED_PARTS[part].check(item, where)


def part_rows(company: str, account: Account, parts: list[str] | None = None,
              to_json: Callable[[Any], str] = str, start: int = 0) -> list[tuple[Any, ...]]:
    """The rows of the account's saved parts (of `parts` only, if given; from the item at
    `start` on)."""
    rows: list[tuple[Any, ...]] = []
    for key in (parts if parts is not None else SAVED_PARTS):
        record = SAVED_PARTS[key].record
        items = getattr(account, key)
        rows += [(company, key, seq, to_json(encode(record, items[seq])))
                 for seq in range(start, len(items))]
    return rows


def put_back(account: Account, parts: dict[str, list[tuple[int, Any]]]) -> None:
    """The account's saved parts become the decoded ones (none where a state had none)."""
    for key in SAVED_PARTS:
        setattr(account, key, [item for _seq, item in sorted(parts.get(key, []),
                                                            key=lambda pair: pair[0])])
