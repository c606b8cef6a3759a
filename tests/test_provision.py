"""provision.php (and its alias new_provision.php): the rate-center inventory and numbers
moving between it and accounts (docs/protocol.md)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .helpers import CREDENTIALS, FaxApi


@pytest.fixture
def prov(client: TestClient) -> FaxApi:
    return FaxApi(client, path="/provision.php")


def lines(text: str) -> list[str]:
    assert text == "" or text.endswith("\n"), repr(text)
    return text.splitlines()


def body(items: list[str]) -> str:
    return "".join(f"{item}\n" for item in items)


def account_dids(client: TestClient, company: str) -> list[str]:
    dids: list[str] = client.get(f"/_sim/accounts/{company}").json()["dids"]
    return dids


def second_account(client: TestClient) -> FaxApi:
    response = client.post("/_sim/accounts", json={
        "company": "2000", "dids": ["7206125000"],
        "users": [{"username": "ops", "password": "pw"}]})
    assert response.status_code == 201, response.text
    return FaxApi(client, {"username": "ops", "company": "2000", "password": "pw"},
                  path="/provision.php")


# --- errors shared by every operation -----------------------------------------------------


@pytest.mark.parametrize("credentials", [
    {**CREDENTIALS, "password": "wrong"},
    {**CREDENTIALS, "company": "9999"},
    {"company": "1000", "password": "demo"},
    {},
], ids=["password", "company", "no-username", "nothing"])
@pytest.mark.parametrize("operation", ["listac", "provdid", "frobnicate", None])
def test_bad_credentials_answer_the_lower_case_err02_before_the_operation(
        client: TestClient, credentials: dict[str, str], operation: str | None) -> None:
    data = dict(credentials, didnumber="3032974100")
    if operation is not None:
        data["operation"] = operation
    response = client.post("/provision.php", data=data)
    assert (response.status_code, response.headers["content-type"], response.text) == (
        200, "text/html; charset=UTF-8", "ERR02: login incorrect")


@pytest.mark.parametrize("operation", [None, "", "unprovdid", "LISTAC", "listlines", "sendfax"])
def test_a_missing_or_unknown_operation_is_err03(prov: FaxApi, operation: str | None) -> None:
    assert prov.call(operation, didnumber="3032974100") == "ERR03: unknown operation"


def test_new_provision_php_is_the_same_url(client: TestClient, prov: FaxApi) -> None:
    alias = FaxApi(client, path="/new_provision.php")
    assert alias.call("listac") == prov.call("listac")
    assert alias.call("nope") == "ERR03: unknown operation"
    number = lines(prov.call("listdids", ac="212"))[0]
    assert alias.call("provdid", didnumber=number) == f"{number} provisioned"
    assert prov.call("deprovdid", didnumber=number) == f"{number} deprovisioned"


# --- the inventory -----------------------------------------------------------------------


def test_the_inventory_is_large_and_spread_over_many_states(prov: FaxApi) -> None:
    area_codes = lines(prov.call("listac"))
    rows = [row.split("\t") for row in lines(prov.call("listnpanxx"))]
    numbers = lines(prov.call("listdids"))
    assert all(len(row) == 3 for row in rows)
    local_states = {state for _, _, state in rows if state != "Toll-Free"}
    assert len(local_states) >= 20
    assert len({npanxx[:3] for npanxx, _, state in rows if state != "Toll-Free"}) >= 20
    assert len(numbers) >= 300 and len(set(numbers)) == len(numbers)
    # The three lists agree: area codes and NPANXXs are exactly those with numbers.
    assert area_codes == sorted({n[:3] for n in numbers})
    assert [row[0] for row in rows] == sorted({n[:6] for n in numbers})
    assert numbers == sorted(numbers)
    assert all(n.isdigit() and len(n) == 10 and n[3:6] != "555" for n in numbers)
    toll_free = [row for row in rows if row[1] == "Toll-Free"]
    assert toll_free and all(row[2] == "Toll-Free" for row in toll_free)
    assert {row[0][:3] for row in toll_free} <= {"800", "888", "877", "866", "855", "844", "833"}


def test_listnpanxx_narrows_to_an_area_code(prov: FaxApi) -> None:
    everything = lines(prov.call("listnpanxx"))
    denver = [row for row in everything if row.startswith("303")]
    assert "303297\tDenver\tCO" in denver
    assert all(row.endswith("\tCO") for row in denver)
    assert prov.call("listnpanxx", ac="303") == body(denver)
    toll_free = [row for row in everything if row.startswith("800")]
    assert len(toll_free) == 1
    assert prov.call("listnpanxx", ac="800") == f"{toll_free[0][:6]}\tToll-Free\tToll-Free\n"
    assert prov.call("listnpanxx", ac="") == body(everything)  # empty: not passed


@pytest.mark.parametrize("ac", ["999", "907", "30", "3033", "abc"])
def test_listnpanxx_for_an_area_code_without_numbers_is_empty(prov: FaxApi, ac: str) -> None:
    assert prov.call("listnpanxx", ac=ac) == ""


def test_listdids_by_area_code_and_by_npanxx_which_wins(prov: FaxApi) -> None:
    everything = lines(prov.call("listdids"))
    in_303 = [n for n in everything if n.startswith("303")]
    in_303297 = [n for n in everything if n.startswith("303297")]
    assert len(in_303297) >= 5 and len(in_303) > len(in_303297)
    assert prov.call("listdids", ac="303") == body(in_303)
    assert prov.call("listdids", npanxx="303297") == body(in_303297)
    assert prov.call("listdids", ac="212", npanxx="303297") == body(in_303297)
    assert prov.call("listdids", ac="303", npanxx="999999") == ""
    assert prov.call("listdids", ac="303", npanxx="30329") == ""
    assert prov.call("listdids", ac="303", npanxx="") == body(in_303)
    assert prov.call("listdids", ac="99") == ""


def test_the_same_seed_gives_the_same_inventory_and_another_seed_another() -> None:
    def inventory_of(seed: int) -> tuple[str, str]:
        app = create_app(SimConfig(clock=ClockMode.MANUAL, seed=seed))
        with TestClient(app, base_url="http://127.0.0.1") as client:
            prov = FaxApi(client, path="/provision.php")
            return prov.call("listnpanxx"), prov.call("listdids")

    first, again, other = inventory_of(7), inventory_of(7), inventory_of(8)
    assert first == again
    assert first[0] != other[0] and first[1] != other[1]


# --- provdid / deprovdid -----------------------------------------------------------------


@pytest.mark.parametrize("didnumber", ["", "303297410", "30329741000", "303297410a",
                                       " 3032974100", "+13032974100"])
@pytest.mark.parametrize("operation", ["provdid", "deprovdid"])
def test_a_didnumber_that_is_not_ten_digits_is_err04(prov: FaxApi, operation: str,
                                                     didnumber: str) -> None:
    assert prov.call(operation, didnumber=didnumber) == \
        f"ERR04: Invalid DID number, {didnumber}"


@pytest.mark.parametrize("operation", ["provdid", "deprovdid"])
def test_a_missing_didnumber_is_err04_with_nothing_after_the_comma(
        prov: FaxApi, operation: str) -> None:
    assert prov.call(operation) == "ERR04: Invalid DID number, "


def test_provdid_moves_a_number_from_the_inventory_to_the_account(
        client: TestClient, prov: FaxApi) -> None:
    offered = lines(prov.call("listdids", npanxx="303297"))
    number = offered[2]
    assert prov.call("provdid", didnumber=number) == f"{number} provisioned"
    assert account_dids(client, "1000") == ["3032974100", "3032974101", number]
    assert prov.call("listdids", npanxx="303297") == body(offered[:2] + offered[3:])
    # Neither this account nor another can have it again.
    assert prov.call("provdid", didnumber=number) == \
        f"ERR05: {number} does not appear to be available"
    other = second_account(client)
    assert other.call("provdid", didnumber=number) == \
        f"ERR05: {number} does not appear to be available"
    assert other.call("deprovdid", didnumber=number) == \
        f"ERR05: {number} is invalid or does not belong to you"
    assert account_dids(client, "2000") == ["7206125000"]


@pytest.mark.parametrize("didnumber", ["3032974100", "7206125000", "5055550199",
                                       "9075550100"])
def test_provdid_of_a_number_not_in_the_inventory_is_err05(
        client: TestClient, prov: FaxApi, didnumber: str) -> None:
    second_account(client)  # owns 7206125000
    assert prov.call("provdid", didnumber=didnumber) == \
        f"ERR05: {didnumber} does not appear to be available"
    assert account_dids(client, "1000") == ["3032974100", "3032974101"]


def test_deprovdid_returns_the_number_to_the_inventory(client: TestClient,
                                                       prov: FaxApi) -> None:
    before = prov.call("listdids", npanxx="303297")
    assert "3032974101" not in lines(before)
    assert prov.call("deprovdid", didnumber="3032974101") == "3032974101 deprovisioned"
    assert account_dids(client, "1000") == ["3032974100"]
    assert prov.call("listdids", npanxx="303297") == body(
        sorted([*lines(before), "3032974101"]))
    # Gone from this account: a second deprovdid is refused, and anyone may now take it.
    assert prov.call("deprovdid", didnumber="3032974101") == \
        "ERR05: 3032974101 is invalid or does not belong to you"
    other = second_account(client)
    assert other.call("provdid", didnumber="3032974101") == "3032974101 provisioned"
    assert account_dids(client, "2000") == ["7206125000", "3032974101"]


def test_deprovdid_of_another_accounts_number_is_err05(client: TestClient,
                                                       prov: FaxApi) -> None:
    second_account(client)
    for number in ("7206125000", "3125550000"):
        assert prov.call("deprovdid", didnumber=number) == \
            f"ERR05: {number} is invalid or does not belong to you"
    assert account_dids(client, "2000") == ["7206125000"]


def test_a_deprovisioned_number_is_no_longer_disabled_and_a_provisioned_one_can_be(
        client: TestClient, prov: FaxApi, state: Any) -> None:
    account = state.sim.accounts["1000"]
    account.disabled_dids.add("3032974101")
    assert prov.call("deprovdid", didnumber="3032974101") == "3032974101 deprovisioned"
    assert client.get("/_sim/accounts/1000").json()["disabled_dids"] == []
    assert prov.call("provdid", didnumber="3032974101") == "3032974101 provisioned"
    assert account.owns_did("3032974101")


def test_a_provisioned_number_is_the_caller_id_of_an_account_without_others(
        client: TestClient) -> None:
    created = client.post("/_sim/accounts", json={
        "company": "3000", "dids": [], "users": [{"username": "u", "password": "p"}]})
    assert created.status_code == 201
    creds = {"username": "u", "company": "3000", "password": "p"}
    prov = FaxApi(client, creds, path="/provision.php")
    number = lines(prov.call("listdids", ac="415"))[0]
    assert prov.call("provdid", didnumber=number) == f"{number} provisioned"
    fax = FaxApi(client, creds)
    fax.send_jobid("3039911234")
    fax.run_until_idle()
    assert FaxApi(client, creds, path="/getcdr.php").call(None, nuidgt="0") == \
        f"2026-01-05 09:00:22,OUT,{number},3039911234,35\n"


def test_a_non_manager_is_granted_the_number_they_provision(client: TestClient) -> None:
    client.post("/_sim/accounts", json={
        "company": "3000", "dids": ["4153214000"],
        "users": [{"username": "boss", "password": "p"},
                  {"username": "clerk", "password": "p", "manager": False}]})
    prov = FaxApi(client, {"username": "clerk", "company": "3000", "password": "p"},
                  path="/provision.php")
    number = lines(prov.call("listdids", ac="415"))[0]
    assert prov.call("provdid", didnumber=number) == f"{number} provisioned"
    users = {u["username"]: u for u in client.get("/_sim/accounts/3000").json()["users"]}
    assert users["clerk"]["dids"] == [number] and users["boss"]["dids"] == []
    assert prov.call("deprovdid", didnumber=number) == f"{number} deprovisioned"
    users = {u["username"]: u for u in client.get("/_sim/accounts/3000").json()["users"]}
    assert users["clerk"]["dids"] == []


# --- the control plane -------------------------------------------------------------------


def test_control_plane_shows_the_inventory_and_adds_a_rate_center(
        client: TestClient, prov: FaxApi) -> None:
    shown = client.get("/_sim/inventory", params={"ac": "303"}).json()
    assert shown["area_codes"] == lines(prov.call("listac"))
    centers = {c["npanxx"]: c for c in shown["rate_centers"]}
    assert centers["303297"]["name"] == "Denver"
    assert centers["303297"]["available"] == lines(prov.call("listdids", npanxx="303297"))
    assert shown["available"] == len(lines(prov.call("listdids", ac="303")))

    added = client.post("/_sim/inventory/rate-centers", json={
        "npanxx": "720612", "name": "Boulder", "state": "CO",
        "numbers": ["7206120100", "7206120101", "7206120102"]})
    assert added.status_code == 201, added.text
    assert added.json() == {"npanxx": "720612", "name": "Boulder", "state": "CO",
                            "available": ["7206120100", "7206120101", "7206120102"]}
    assert "720" in lines(prov.call("listac"))
    assert prov.call("listnpanxx", ac="720") == "720612\tBoulder\tCO\n"
    assert prov.call("provdid", didnumber="7206120101") == "7206120101 provisioned"
    assert prov.call("listdids", npanxx="720612") == "7206120100\n7206120102\n"
    # A number an account holds is never offered, even when a rate center lists it.
    again = client.post("/_sim/inventory/rate-centers", json={
        "npanxx": "720612", "name": "Boulder", "state": "CO",
        "numbers": ["7206120101", "7206120199"]})
    assert again.json()["available"] == ["7206120100", "7206120102", "7206120199"]


@pytest.mark.parametrize(("payload", "message"), [
    ({"npanxx": "72061", "name": "X", "state": "CO"}, '"npanxx" must be 6 digits'),
    ({"npanxx": "720612", "name": "", "state": "CO"},
     '"name" must be a non-empty string without tabs or line breaks, at most 200 characters'),
    ({"npanxx": "720612", "name": "A\tB", "state": "CO"},
     '"name" must be a non-empty string without tabs or line breaks, at most 200 characters'),
    ({"npanxx": "720612", "name": "Boulder", "state": "CO", "numbers": ["3039911234"]},
     '"numbers" must be at most 10000 10-digit numbers starting with 720612'),
    ({"npanxx": "720612", "name": "Boulder", "state": "CO", "extra": 1},
     "unknown field(s) extra"),
])
def test_control_plane_refuses_a_bad_rate_center(client: TestClient, prov: FaxApi,
                                                 payload: dict[str, Any],
                                                 message: str) -> None:
    response = client.post("/_sim/inventory/rate-centers", json=payload)
    assert (response.status_code, response.json()) == (400, {"error": message})
    assert prov.call("listnpanxx", ac="720") == ""


def test_reset_brings_provisioned_numbers_back(client: TestClient, prov: FaxApi) -> None:
    offered = prov.call("listdids", ac="212")
    number = lines(offered)[0]
    assert prov.call("provdid", didnumber=number) == f"{number} provisioned"
    assert client.post("/_sim/reset", json={}).status_code == 200
    assert prov.call("listdids", ac="212") == offered
    assert account_dids(client, "1000") == ["3032974100", "3032974101"]
