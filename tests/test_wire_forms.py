"""`$_POST` as PHP builds it, tolerant base64, and print_r."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl, quote_plus

from hypothesis import given
from hypothesis import strategies as st

from faxage_sim.wire.forms import (
    PhpPost,
    build_post,
    decode_base64_tolerant,
    decode_text,
    parse_post,
    parse_urlencoded,
    print_r,
)

URLENCODED = "application/x-www-form-urlencoded"


def test_bracket_arrays_append_and_place_by_index() -> None:
    post = build_post([("a[]", "x"), ("a[]", "y"), ("b[2]", "two"), ("b[0]", "zero")])
    assert post.values == {"a": {0: "x", 1: "y"}, "b": {2: "two", 0: "zero"}}
    assert post.get_list("a") == ["x", "y"]
    # Ordered by index, not by arrival.
    assert post.get_list("b") == ["zero", "two"]


def test_repeated_plain_name_keeps_the_last_value() -> None:
    post = build_post([("faxno", "1"), ("faxno", "2")])
    assert post.get_str("faxno") == "2"


def test_append_after_explicit_index_continues_from_the_highest() -> None:
    post = build_post([("a[5]", "five"), ("a[]", "six")])
    assert post.values == {"a": {5: "five", 6: "six"}}


def test_nested_and_string_keys() -> None:
    post = build_post([("a[x][]", "1"), ("a[x][]", "2"), ("a[y]", "3")])
    assert post.values == {"a": {"x": {0: "1", 1: "2"}, "y": "3"}}


def test_dots_and_spaces_in_names_become_underscores_like_php() -> None:
    post = build_post([("fax no", "1"), ("a.b", "2")])
    assert post.values == {"fax_no": "1", "a_b": "2"}


def test_array_field_is_not_a_scalar_and_scalar_is_not_a_list() -> None:
    post = build_post([("faxno[]", "3039911234"), ("faxfilenames", "a.pdf")])
    assert post.get_str("faxno") is None
    assert post.get_list("faxfilenames") is None


def test_percent_encoded_brackets_parse_like_raw_ones() -> None:
    raw = parse_post(URLENCODED, b"faxfilenames[]=a.pdf&faxfilenames[]=b.pdf")
    encoded = parse_post(URLENCODED, b"faxfilenames%5B0%5D=a.pdf&faxfilenames%5B1%5D=b.pdf")
    assert raw.get_list("faxfilenames") == encoded.get_list("faxfilenames") == ["a.pdf", "b.pdf"]


def test_multipart_fields_are_read_and_file_parts_are_not() -> None:
    body = (
        b"--XyZ\r\nContent-Disposition: form-data; name=\"faxfilenames[]\"\r\n\r\na.pdf\r\n"
        b"--XyZ\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"x.bin\"\r\n"
        b"Content-Type: application/octet-stream\r\n\r\n\x00\x01\r\n"
        b"--XyZ\r\nContent-Disposition: form-data; name=\"operation\"\r\n\r\nstatus\r\n"
        b"--XyZ--\r\n"
    )
    post = parse_post("multipart/form-data; boundary=XyZ", body)
    assert post.values == {"faxfilenames": {0: "a.pdf"}, "operation": "status"}


def test_other_content_types_arrive_as_an_empty_post() -> None:
    assert parse_post("application/json", b'{"username": "demo"}').values == {}
    assert parse_post(None, b"username=demo").values == {}
    assert parse_post("multipart/form-data", b"--x--").values == {}


def test_malformed_multipart_keeps_what_parsed() -> None:
    body = b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B\r\ngarbage"
    post = parse_post("multipart/form-data; boundary=B", body)
    assert post.get_str("a") == "1"


def test_base64_with_spaces_for_plus_line_breaks_and_no_padding() -> None:
    data = bytes(range(256)) * 3
    encoded = base64.b64encode(data).decode()
    assert "+" in encoded
    mangled = encoded.replace("+", " ")
    mangled = "\r\n".join(mangled[i:i + 76] for i in range(0, len(mangled), 76))
    assert decode_base64_tolerant(mangled.rstrip("=")) == data


def test_base64_that_is_not_base64_gives_none() -> None:
    assert decode_base64_tolerant("not*base64!") is None
    assert decode_base64_tolerant("abcde") is None  # impossible length


def test_print_r_matches_php_layout_and_masks_the_password() -> None:
    post = build_post([("username", "demo"), ("password", "secret"), ("operation", "frob"),
                       ("jobids[]", "1"), ("jobids[]", "2")])
    assert print_r(post) == (
        "Array\n"
        "(\n"
        "    [username] => demo\n"
        "    [password] => ********\n"
        "    [operation] => frob\n"
        "    [jobids] => Array\n"
        "        (\n"
        "            [0] => 1\n"
        "            [1] => 2\n"
        "        )\n"
        "\n"
        ")\n"
    )


def test_print_r_of_an_empty_post() -> None:
    assert print_r(PhpPost()) == "Array\n(\n)\n"


@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=30)), max_size=8),
       st.sampled_from(["", "&", "&&"]), st.binary(max_size=20))
def test_urlencoded_parsing_is_exactly_parse_qsl(
        fields: list[tuple[str, str]], joiner: str, junk: bytes) -> None:
    body = ("&" + joiner).join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in fields).encode()
    for candidate in (body, body + b"&" + junk, junk, b"a=%zz&b=%2B%2b%41+x&c"):
        text = decode_text(candidate)
        assert parse_urlencoded(candidate) == parse_qsl(text, keep_blank_values=True)
