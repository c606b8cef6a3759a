"""sendfax (standard mode): every validation in the vendor document's order, and what is kept."""

from __future__ import annotations

import pytest

from .helpers import FaxApi, b64

NOTE = {"faxfilenames[0]": "note.txt", "faxfiledata[0]": b64(b"hello")}


def test_success_answers_jobid_with_one_space_and_no_newline(api: FaxApi) -> None:
    assert api.call("sendfax", faxno="3039911234", recipname="Alice", **NOTE) == "JOBID: 100001"
    assert api.call("sendfax", faxno="3039911234", recipname="Alice", **NOTE) == "JOBID: 100002"


@pytest.mark.parametrize("fields", [
    {},  # no files at all
    {"faxfilenames[0]": "note.txt"},  # a name without data
    {"faxfilenames[0]": "a.txt", "faxfilenames[1]": "b.txt", "faxfiledata[0]": b64(b"x")},
    {"faxfilenames[0]": "virus.exe", "faxfiledata[0]": b64(b"MZ")},  # unsupported type only
    {"faxfilenames[0]": "noextension", "faxfiledata[0]": b64(b"x")},
    {"faxfilenames": "note.txt", "faxfiledata": b64(b"x")},  # not arrays
])
def test_no_usable_file_is_err03_before_the_number_is_checked(
        api: FaxApi, fields: dict[str, str]) -> None:
    assert api.call("sendfax", faxno="bad", recipname="A", **fields) == "ERR03: No files to fax"


def test_url_mode_without_an_absolute_url_is_err03(api: FaxApi) -> None:
    assert api.call("sendfax", faxno="3039911234", faxurl="example.com/x.pdf") == (
        "ERR03: No files to fax")


@pytest.mark.parametrize("faxno", [
    "", "303991123", "30399112345", "303-991-1234", "(303)9911234", "303991123a",
    "３０３９９１１２３４",  # full-width digits are digits to Python, not to FAXAGE
])
def test_faxno_not_ten_ascii_digits_is_err04(api: FaxApi, faxno: str) -> None:
    assert api.call("sendfax", faxno=faxno, recipname="A", **NOTE) == (
        "ERR04: Fax number appears to be invalid")


def test_missing_faxno_is_err04(api: FaxApi) -> None:
    assert api.call("sendfax", recipname="A", **NOTE) == "ERR04: Fax number appears to be invalid"


@pytest.mark.parametrize("faxno", [
    "3035551212",  # exchange 555: the vendor's own example
    "9119911234", "3039111234", "4115551234", "2119911234",  # N11 as area code or exchange
    "0039911234", "1039911234",  # area code starting 0/1
    "3030991234", "3031991234",  # exchange starting 0/1
    "9009911234", "5009911234", "9769911234", "3039761234",  # premium, personal, 976
    "9079911234",  # Alaska
    "8769911234", "7879911234", "2429911234", "6719911234",  # Jamaica, Puerto Rico, ...
])
def test_blocked_destinations_are_err05(api: FaxApi, faxno: str) -> None:
    assert api.call("sendfax", faxno=faxno, recipname="A", **NOTE) == "ERR05: Blocked number"


@pytest.mark.parametrize("faxno", [
    "8089911234",  # Hawaii
    "4169911234",  # Toronto
    "8009911234",  # toll-free
    "2129911234",
])
def test_continental_us_canada_hawaii_and_toll_free_are_dialled(api: FaxApi, faxno: str) -> None:
    assert api.call("sendfax", faxno=faxno, recipname="A", **NOTE).startswith("JOBID: ")


def test_extension_check_is_case_insensitive_and_skips_unsupported_files(api: FaxApi) -> None:
    jobid = api.send_jobid(files={"SCAN.TXT": b"hi", "movie.mp4": b"\x00"})
    assert [d["filename"] for d in api.job(jobid)["documents"]] == ["SCAN.TXT"]


def test_recipname_is_cut_to_32_and_tagnumber_to_14(api: FaxApi) -> None:
    jobid = api.send_jobid(recipname="R" * 40, tagname="Acme", tagnumber="1.303.991.1234.99")
    job = api.job(jobid)
    assert job["destname"] == "R" * 32
    assert job["tagnumber"] == "1.303.991.1234"
    assert api.status_fields(jobid)[2] == "R" * 32


def test_options_are_kept_with_the_job(api: FaxApi) -> None:
    jobid = api.send_jobid(priority="low", resolution="2", em_notify="1",
                           url_notify="http://127.0.0.1:9/cb", contrastalgo="2")
    job = api.job(jobid)
    assert (job["priority"], job["resolution"], job["em_notify"], job["url_notify"]) == (
        "low", 2, True, "http://127.0.0.1:9/cb")


def test_a_url_notify_that_is_not_absolute_is_ignored(api: FaxApi) -> None:
    jobid = api.send_jobid(url_notify="/relative/callback")
    assert api.job(jobid)["url_notify"] is None


def test_pages_are_counted_over_all_files(api: FaxApi) -> None:
    jobid = api.send_jobid(files={"a.txt": b"x\n" * 61, "b.txt": b"y"})
    assert api.status_fields(jobid, pagecount="1")[9] == "3"
