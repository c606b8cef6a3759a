"""listfax: record layout, every option, ordering, useronly and account isolation."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from .helpers import FaxApi
from .inbound_helpers import DID_A, DID_B, fax_arrives, other_company, stored_fax

A = "(303)297-4100"
B = "(303)297-4101"
CID = "(720)991-4321"


@pytest.fixture
def three_faxes(client: TestClient, api: FaxApi) -> list[int]:
    """400001 on A at 09:00, 400002 on B (caller withheld) at 09:01, 400003 on A at 09:02."""
    ids = [stored_fax(client, api, DID_A)]
    api.advance(60)
    ids.append(stored_fax(client, api, DID_B, cid=None, tsid=""))
    api.advance(60)
    ids.append(stored_fax(client, api, DID_A))
    return ids


def test_no_faxes_is_err11(api: FaxApi) -> None:
    assert api.call("listfax") == "ERR11: No incoming faxes available"


def test_default_order_is_by_dnis_then_newest_first(api: FaxApi, three_faxes: list[int]) -> None:
    assert three_faxes == [400001, 400002, 400003]
    assert api.call("listfax") == (
        f"400003\t2026-01-05 09:02:00\t{CID}\t{A}\n"
        f"400001\t2026-01-05 09:00:00\t{CID}\t{A}\n"
        f"400002\t2026-01-05 09:01:00\tUnavailable\t{B}\n"
    )


def test_idasc_lists_oldest_first(api: FaxApi, three_faxes: list[int]) -> None:
    assert api.call("listfax", idasc="1") == (
        f"400001\t2026-01-05 09:00:00\t{CID}\t{A}\n"
        f"400002\t2026-01-05 09:01:00\tUnavailable\t{B}\n"
        f"400003\t2026-01-05 09:02:00\t{CID}\t{A}\n"
    )
    # A flag posted as 0 is not set (PHP truthiness).
    assert api.call("listfax", idasc="0").startswith("400003\t")


def test_every_optional_column_in_protocol_order(client: TestClient, api: FaxApi) -> None:
    # 3 pages: 10 s handshake + 3 × 45 s (fine) + 5 s hang-up = 150 s, 09:00:00 → 09:02:30.
    fax_arrives(client, DID_A, pages=3, tsid="ACME FAX")
    assert api.call("listfax") == "ERR11: No incoming faxes available"  # still coming in
    api.advance(150)
    assert api.call("listfax", starttime="1", filename="1", pagecount="1", showtsid="1") == (
        f"400001\t2026-01-05 09:02:30\t2026-01-05 09:00:00\t{CID}\t{A}\tfax400001.pdf\t3"
        "\tACME FAX\n"
    )


@pytest.mark.parametrize(("option", "record"), [
    ("starttime", f"400001\t2026-01-05 09:01:00\t2026-01-05 09:00:00\t{CID}\t{A}\n"),
    ("filename", f"400001\t2026-01-05 09:01:00\t{CID}\t{A}\tfax400001.pdf\n"),
    ("pagecount", f"400001\t2026-01-05 09:01:00\t{CID}\t{A}\t1\n"),
    ("showtsid", f"400001\t2026-01-05 09:01:00\t{CID}\t{A}\tACME FAX\n"),
])
def test_each_optional_column_alone(client: TestClient, api: FaxApi, option: str,
                                    record: str) -> None:
    fax_arrives(client, DID_A, pages=1)  # 10 s handshake + 45 s page + 5 s hang-up
    api.advance(3600)
    assert api.call("listfax", **{option: "1"}) == record


def test_tiff_accounts_list_tif_filenames(client: TestClient, api: FaxApi) -> None:
    response = client.put("/_sim/accounts/1000", json={"fax_format": "tiff"})
    assert response.status_code == 200, response.text
    stored_fax(client, api)
    assert api.call("listfax", filename="1") == (
        f"400001\t2026-01-05 09:00:00\t{CID}\t{A}\tfax400001.tif\n")


def test_idgt_lists_only_newer_faxes(api: FaxApi, three_faxes: list[int]) -> None:
    assert api.call("listfax", idgt="400001") == (
        f"400003\t2026-01-05 09:02:00\t{CID}\t{A}\n"
        f"400002\t2026-01-05 09:01:00\tUnavailable\t{B}\n"
    )
    assert api.call("listfax", idgt="400001", idasc="1") == (
        f"400002\t2026-01-05 09:01:00\tUnavailable\t{B}\n"
        f"400003\t2026-01-05 09:02:00\t{CID}\t{A}\n"
    )
    assert api.call("listfax", idgt="400003") == "ERR11: No incoming faxes available"
    # Not a number: compared as PHP/MySQL would (0), so everything is newer.
    assert api.call("listfax", idgt="latest", idasc="1").count("\n") == 3


def test_begin_is_in_the_account_zone_and_inclusive(api: FaxApi,
                                                    three_faxes: list[int]) -> None:
    assert api.call("listfax", begin="2026-01-05 09:01:00") == (
        f"400003\t2026-01-05 09:02:00\t{CID}\t{A}\n"
        f"400002\t2026-01-05 09:01:00\tUnavailable\t{B}\n"
    )
    assert api.call("listfax", begin="2026-01-05 09:02:01") == (
        "ERR11: No incoming faxes available")
    assert api.call("listfax", begin="yesterday") == "ERR11: No incoming faxes available"
    assert api.call("listfax", begin="").count("\n") == 3  # empty: no filter


def test_didnumber_lists_one_number(api: FaxApi, three_faxes: list[int]) -> None:
    assert api.call("listfax", didnumber=DID_B) == (
        f"400002\t2026-01-05 09:01:00\tUnavailable\t{B}\n")
    assert api.call("listfax", didnumber="3039990000") == "ERR11: No incoming faxes available"


def test_unhandled_leaves_out_handled_faxes(api: FaxApi, three_faxes: list[int]) -> None:
    assert api.call("handled", recvid="400001", handled="1") == "Handled"
    assert api.call("listfax", unhandled="1") == (
        f"400003\t2026-01-05 09:02:00\t{CID}\t{A}\n"
        f"400002\t2026-01-05 09:01:00\tUnavailable\t{B}\n"
    )
    assert api.call("listfax").count("\n") == 3


def test_options_combine(api: FaxApi, three_faxes: list[int]) -> None:
    assert api.call("listfax", idgt="400001", didnumber=DID_A, pagecount="1",
                    filename="1") == f"400003\t2026-01-05 09:02:00\t{CID}\t{A}\tfax400003.pdf\t1\n"


def test_useronly_shows_a_non_manager_only_his_numbers(client: TestClient) -> None:
    numbers = ["3032974300", "3032974301"]
    response = client.post("/_sim/accounts", json={
        "company": "3000", "dids": numbers, "users": [
            {"username": "boss", "password": "b"},
            {"username": "clerk", "password": "c", "manager": False, "dids": [numbers[1]]},
        ]})
    assert response.status_code == 201, response.text
    boss = FaxApi(client, {"username": "boss", "company": "3000", "password": "b"})
    clerk = FaxApi(client, {"username": "clerk", "company": "3000", "password": "c"})
    first = stored_fax(client, boss, numbers[0])
    second = stored_fax(client, boss, numbers[1])
    mine = f"{second}\t2026-01-05 09:00:00\t{CID}\t(303)297-4301\n"
    theirs = f"{first}\t2026-01-05 09:00:00\t{CID}\t(303)297-4300\n"
    assert clerk.call("listfax", useronly="1") == mine
    assert clerk.call("listfax") == theirs + mine  # without useronly: the whole account
    assert boss.call("listfax", useronly="1") == theirs + mine  # a manager sees everything


def test_another_company_never_sees_our_faxes(client: TestClient, api: FaxApi,
                                              three_faxes: list[int]) -> None:
    eve = other_company(client)
    assert eve.call("listfax") == "ERR11: No incoming faxes available"
    assert eve.call("listfax", idgt="0", didnumber=DID_A) == "ERR11: No incoming faxes available"
    stored_fax(client, eve, "3032974200")
    # recvids come from one counter; each account has its own clock (still at 09:00).
    assert eve.call("listfax") == f"400004\t2026-01-05 09:00:00\t{CID}\t(303)297-4200\n"
    assert api.call("listfax").count("\n") == 3
