"""`$_POST` as PHP builds it, tolerant base64, and print_r."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl, quote_plus

from hypothesis import given
from hypothesis import strategies as st

from faxage_sim.wire.forms import (
    MAX_INPUT_NESTING_LEVEL,
    MAX_INPUT_VARS,
    PHP_INT_MAX,
    PHP_INT_MIN,
    PhpPost,
    build_post,
    decode_base64_tolerant,
    decode_text,
    parse_post,
    parse_urlencoded,
    php_intval,
    posted_id,
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


def php_reference(body: bytes) -> list[tuple[str, str]]:
    """PHP's reading, spelled with urllib: url-decode the bytes, then read them as UTF-8."""
    return [(k.encode("latin-1").decode("utf-8", "replace"),
             v.encode("latin-1").decode("utf-8", "replace"))
            for k, v in parse_qsl(body.decode("latin-1"), keep_blank_values=True,
                                  encoding="latin-1")]


@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=30)), max_size=8),
       st.sampled_from(["", "&", "&&"]), st.binary(max_size=20),
       st.lists(st.sampled_from([b"%", b"=", b"+", b"&", b"4", b"1", b"f", b"G", b"\xe2",
                                 b"\x82", b"\xac", b"\n", b"%3D", b"%25", b"%e2%82"]),
                max_size=40).map(b"".join))
def test_urlencoded_parsing_is_php_urldecode_then_utf8(
        fields: list[tuple[str, str]], joiner: str, junk: bytes, tricky: bytes) -> None:
    body = ("&" + joiner).join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in fields).encode()
    assert parse_urlencoded(body) == parse_qsl(decode_text(body), keep_blank_values=True)
    for candidate in (body + b"&" + junk, junk, tricky, b"a=%zz&b=%2B%2b%41+x&c",
                      b"raw=\xe2%82%ac"):
        assert parse_urlencoded(candidate) == php_reference(candidate), candidate


def test_url_decoding_of_big_values_slices_without_cutting_escapes() -> None:
    for value in (b"%41%4x%zz=%3d+" * 60_000, b"%" * 600_000, b"a%e2%82%ac" * 70_000):
        body = b"v=" + value
        assert parse_urlencoded(body) == php_reference(body)


# --- PHP's bounds: max_input_vars, max_input_nesting_level, 64-bit keys -----------------


def test_urlencoded_stops_after_max_input_vars_keeping_the_piece_that_passed_it() -> None:
    body = "&".join(f"v{i}={i}" for i in range(MAX_INPUT_VARS + 50)).encode()
    post = parse_post(URLENCODED, body)
    # add_post_vars registers a piece, then counts it: the 1,001st is in, the rest are not.
    assert len(post.values) == MAX_INPUT_VARS + 1
    assert post.get_str(f"v{MAX_INPUT_VARS}") == str(MAX_INPUT_VARS)
    assert f"v{MAX_INPUT_VARS + 1}" not in post


def test_empty_pieces_count_towards_max_input_vars_as_in_php() -> None:
    body = b"&" * MAX_INPUT_VARS + b"&late=1"
    assert parse_post(URLENCODED, body).values == {}
    assert parse_post(URLENCODED, b"&" * (MAX_INPUT_VARS - 1) + b"&late=1").get_str("late") == "1"


def test_array_entries_count_one_each_towards_max_input_vars() -> None:
    body = "&".join(["jobids[]=7"] * 20_000).encode()
    post = parse_post(URLENCODED, body)
    assert post.get_list("jobids") == ["7"] * (MAX_INPUT_VARS + 1)


def test_multipart_registers_at_most_max_input_vars_fields() -> None:
    parts = [f'--B\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\n{i}\r\n'
             for i in range(MAX_INPUT_VARS + 5)]
    post = parse_post("multipart/form-data; boundary=B", ("".join(parts) + "--B--\r\n").encode())
    assert len(post.values) == MAX_INPUT_VARS
    assert f"f{MAX_INPUT_VARS - 1}" in post and f"f{MAX_INPUT_VARS}" not in post


def test_nesting_up_to_64_levels_is_kept() -> None:
    name = "a" + "[x]" * MAX_INPUT_NESTING_LEVEL
    node: object = build_post([(name, "deep")]).values["a"]
    for _ in range(MAX_INPUT_NESTING_LEVEL):
        assert isinstance(node, dict) and list(node) == ["x"]
        node = node["x"]
    assert node == "deep"


def test_one_level_too_deep_drops_the_whole_variable_like_php() -> None:
    too_deep = "a" + "[x]" * (MAX_INPUT_NESTING_LEVEL + 1)
    post = build_post([("a[0]", "kept?"), (too_deep, "1"), ("b", "2")])
    assert post.values == {"b": "2"}
    # Thousands of levels cost no more than 65.
    assert parse_post(URLENCODED, ("a" + "[x]" * 50_000 + "=1&c=3").encode()).values == {"c": "3"}


def test_keys_that_do_not_fit_64_bits_stay_strings() -> None:
    huge = "9" * 5000
    post = parse_post(URLENCODED, f"x[{huge}]=1&y[9223372036854775807]=2&y[9223372036854775808]=3"
                                  f"&z[-9223372036854775808]=4&z[0123]=5&z[-0]=6".encode())
    assert post.values == {
        "x": {huge: "1"},
        "y": {PHP_INT_MAX: "2", "9223372036854775808": "3"},
        "z": {"-9223372036854775808": "4", "0123": "5", "-0": "6"},
    }


def test_append_after_the_largest_index_is_dropped_like_php() -> None:
    post = build_post([("a[9223372036854775807]", "max"), ("a[]", "lost"), ("a[][x]", "lost")])
    assert post.values == {"a": {PHP_INT_MAX: "max"}}


def test_append_continues_from_the_array_it_really_appends_to() -> None:
    # A replaced array starts counting afresh (the next free index is per array).
    post = build_post([("a[]", "1"), ("a[]", "2"), ("a", "plain"), ("a[]", "3"),
                       ("b[-5]", "neg"), ("b[]", "first")])
    assert post.values == {"a": {0: "3"}, "b": {-5: "neg", 0: "first"}}


def test_a_name_ends_at_a_nul_and_a_blank_index_appends() -> None:
    post = build_post([("a\0ignored", "1"), ("c[ ]", "x"), ("c[ ]", "y")])
    assert post.values == {"a": "1", "c": {0: "x", 1: "y"}}


def test_a_boundary_longer_than_256_characters_parses_as_php_parses_it() -> None:
    boundary = "b" * 300
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"operation\"\r\n\r\n"
            f"status\r\n--{boundary}--\r\n").encode()
    post = parse_post(f"multipart/form-data; boundary={boundary}", body)
    assert post.values == {"operation": "status"}


def test_a_multipart_body_nothing_can_read_is_an_empty_post() -> None:
    for content_type, body in [
        ("multipart/form-data; boundary=" + "q" * 5000, b"garbage" * 100),
        ("multipart/form-data; boundary=\u20ac", b"--\xe2\x82\xac\r\n"),
        ("multipart/form-data; boundary=B", b"\r\n--B\r\n" + b"X-" * 30_000),
    ]:
        assert parse_post(content_type, body).values == {}


PHP_INTVAL_CASES = [
    ("100001", 100001), ("  42", 42), ("\t\n+7", 7), ("-12", -12), ("12abc", 12),
    ("0000123", 123), ("abc", 0), ("", 0), ("-", 0), (" ", 0), ("1e5", 1), ("1.9", 1),
    ("NaN", 0), ("Infinity", 0), ("9223372036854775807", PHP_INT_MAX),
    ("9223372036854775808", PHP_INT_MAX), ("-9223372036854775808", PHP_INT_MIN),
    ("-9223372036854775809", PHP_INT_MIN), ("9" * 5000, PHP_INT_MAX),
    ("-" + "9" * 5000, PHP_INT_MIN), ("0" * 5000 + "5", 5),
]


def test_php_intval_reads_the_leading_integer_and_saturates() -> None:
    for text, expected in PHP_INTVAL_CASES:
        assert php_intval(text) == expected, text


def test_posted_id_takes_digits_only_and_never_fails() -> None:
    assert posted_id(" 100001 ") == 100001
    assert posted_id("9" * 5000) == PHP_INT_MAX
    for text in (None, "", "  ", "12a", "-1", "+1", "1.0", "\u0663"):
        assert posted_id(text) is None, text


@given(st.text(alphabet="0123456789+- \t.eE", max_size=6000))
def test_php_intval_is_always_a_64_bit_integer(text: str) -> None:
    assert PHP_INT_MIN <= php_intval(text) <= PHP_INT_MAX


def test_content_type_and_boundary_are_read_as_php_reads_them() -> None:
    form = b"--a b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--a b--\r\n"
    assert parse_post("Multipart/Form-Data; BOUNDARY=a b", form).values == {"x": "1"}
    assert parse_post('multipart/form-data; boundary="a b"; charset=x', form).values == {
        "x": "1"}
    # Unquoted, a boundary ends at `,` or `;`; the media type at `;`, `,` or a space.
    assert parse_post("multipart/form-data; boundary=a b,c", form).values == {"x": "1"}
    assert parse_post(" application/x-www-form-urlencoded", b"x=1").values == {}
    assert parse_post("APPLICATION/X-WWW-FORM-URLENCODED,charset", b"x=1").values == {"x": "1"}
