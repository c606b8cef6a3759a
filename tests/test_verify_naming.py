"""How verify names a difference: by undoing one known alteration, else by what kind of body
came; always with the expected and received bytes (escaped) beside the name, and never an
exception, whatever the bodies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faxage_sim.verify.cases import AUDIT, FIELD_KINDS, LISTFAX, Rules
from faxage_sim.verify.naming import Difference, name_differences
from faxage_sim.verify.shape import KIND_WORDS, Answer, shape
from faxage_sim.wire import catalog

HTML = catalog.TEXT_CONTENT_TYPE
EXACT = Rules()
JOBID = Rules(jobid=True)
LIST = Rules(records=LISTFAX)
AUDIT_LOG = Rules(records=AUDIT, may_be_empty=True)
LISTED = "100\t2026-01-02 03:04:05\t(303)555-0100\t(303)555-0101\n" \
         "101\t2026-01-02 03:04:06\tUnavailable\t(303)555-0101\n"


def named(got: Answer, expected: list[Answer], rules: Rules = EXACT,
          jobid: str | None = None) -> list[Difference]:
    pairs = [(a, shape(a, rules, "7")) for a in expected]
    return name_differences(got, shape(got, rules, jobid), pairs, rules, jobid)


def text(body: str, content_type: str = HTML, status: int = 200) -> Answer:
    return Answer.of_text(status, content_type, body)


@pytest.mark.parametrize(("got", "expected", "rules", "what"), [
    ("ERR02: Login incorrect\n", "ERR02: Login incorrect", EXACT, "a newline after the body"),
    ("ERR02: Login incorrect\r\n", "ERR02: Login incorrect", EXACT, "CRLF after the body"),
    ("0  ", "0", Rules(counts=True), "whitespace after the body"),
    ("\ufeff0", "0", Rules(counts=True), "a byte order mark before the body"),
    (LISTED.replace("\n", "\r\n"), LISTED, LIST, "CRLF line ends"),
    (LISTED.rstrip("\n"), LISTED, LIST, "no newline after the last record"),
    ("JOBID:100001", "JOBID: 7", JOBID, "no space after JOBID:"),
    ("cleared", "7 cleared", JOBID, "the job id missing from the success text"),
    ("ERR08: Unknown operation specified or bad POST", "ERR02: Login incorrect", EXACT,
     "error ERR08 instead of ERR02"),
    ("ERR02: login incorrect", "ERR02: Login incorrect", EXACT, "another text for ERR02"),
    ("", "ERR06: No jobs", EXACT, "an empty body"),
    ("100\t2026-01-02 03:04:05\t(303)555-0100\n", LISTED, LIST,
     "a record with 3 tab-separated fields instead of 4"),
    ("100\tyesterday\t(303)555-0100\t(303)555-0101\n", LISTED, LIST,
     "field 2 of a record is 'yesterday', not a time YYYY-MM-DD HH:MM:SS"),
    ("Deleted!", "Deleted", EXACT, "a different body"),
])
def test_each_alteration_has_its_name(got: str, expected: str, rules: Rules,
                                      what: str) -> None:
    jobid = "100001" if rules.jobid else None
    (difference,) = named(text(got), [text(expected)], rules, jobid)
    assert difference.what == what


def test_status_and_content_type_are_named_beside_the_body() -> None:
    differences = named(text("0\n", "text/plain", 500), [text("0")], Rules(counts=True))
    assert [d.line() for d in differences] == [
        "status 500 instead of 200: expected 200, got 500",
        f"content type text/plain instead of {HTML}: expected {HTML!r}, got 'text/plain'",
        "a newline after the body: expected '0', got '0\\n'",
    ]


def test_the_closest_reference_answer_is_the_one_compared() -> None:
    # an empty account lists nothing, a full one records: a broken record is compared with
    # the records, an ERR with the ERR
    empty, full = text(""), text(LISTED)
    (difference,) = named(text(LISTED + "\n"), [empty, full], LIST)
    assert difference.what == "a newline after the body"
    (difference,) = named(text("ERR11: none\n"), [text("ERR11: none"), full], LIST)
    assert difference.what == "a newline after the body"


def test_a_truncated_answer_is_named_by_its_cap() -> None:
    got = Answer(200, HTML, b"0" * 1024, truncated=True)
    (difference,) = named(got, [text("0")], Rules(counts=True))
    assert difference.what == "a body longer than 1048576 bytes (verify stopped reading there)"


def test_long_bodies_are_shown_from_a_little_before_where_they_part() -> None:
    want = "x" * 100 + "ab" + "y" * 100
    (difference,) = named(text(want.replace("ab", "ba")), [text(want)])
    assert difference.expected.startswith("...'xxxxxxxxxxxxxxxxxxxxab")
    assert difference.got.startswith("...'xxxxxxxxxxxxxxxxxxxxba")


def test_every_field_kind_has_words() -> None:
    assert set(KIND_WORDS) == set(FIELD_KINDS)


bodies = st.text(alphabet=st.sampled_from("0123456789 \t\r\n:ERJOBIDcleard~()-\ufeff\x00é"),
                 max_size=80)


@settings(max_examples=400, deadline=None)
@given(got=bodies, expected=st.lists(bodies, min_size=1, max_size=2),
       status=st.sampled_from([200, 404, 500]),
       content_type=st.sampled_from([HTML, "text/plain", ""]),
       rules=st.sampled_from([EXACT, JOBID, LIST, AUDIT_LOG, Rules(counts=True)]))
def test_any_two_answers_are_named_without_an_error(
        got: str, expected: list[str], status: int, content_type: str, rules: Rules) -> None:
    differences = named(text(got, content_type, status), [text(e) for e in expected], rules,
                        "1")
    assert differences
    for difference in differences:
        assert difference.what and "\n" not in difference.line()
