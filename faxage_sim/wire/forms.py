"""POST bodies as PHP sees them: `$_POST` built from urlencoded or multipart bodies.

FAXAGE is a PHP service, so a request means what PHP makes of it: `name[]` appends,
`name[N]` places at index N, a repeated plain `name` keeps the last value, a body of any
other content type (or an oversized one) arrives as an empty `$_POST`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeAlias
from urllib.parse import unquote

# A PHP array: keys are ints or strings, values strings or nested arrays.
PhpValue: TypeAlias = "str | PhpArray"
PhpArray: TypeAlias = "dict[int | str, PhpValue]"

_INT_KEY = re.compile(r"^(?:0|-?[1-9][0-9]*)$")
# PHP stops at max_input_nesting_level (64); deeper names are dropped.
_MAX_NESTING = 64


def _php_key(raw: str) -> int | str:
    """PHP turns decimal-integer-looking keys into ints."""
    if _INT_KEY.match(raw):
        value = int(raw)
        if -(2**63) <= value < 2**63:
            return value
    return raw


def _split_name(name: str) -> tuple[str, list[str]] | None:
    """Split `a[b][c]` into ("a", ["b", "c"]) the way php_register_variable does."""
    name = name.lstrip(" ")
    bracket = name.find("[")
    base = name if bracket < 0 else name[:bracket]
    # PHP maps spaces and dots in the base name to underscores.
    base = base.replace(" ", "_").replace(".", "_")
    if not base:
        return None
    if bracket < 0:
        return base, []
    keys: list[str] = []
    rest = name[bracket:]
    while rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            # An unterminated bracket: PHP turns the '[' into '_' and keeps the rest plain.
            if not keys:
                return base + "_" + rest[1:], []
            break
        keys.append(rest[1:close])
        rest = rest[close + 1 :]
        if len(keys) > _MAX_NESTING:
            return None
    return base, keys


def _next_index(array: PhpArray) -> int:
    ints = [k for k in array if isinstance(k, int)]
    return max(ints) + 1 if ints and max(ints) >= 0 else 0


@dataclass
class PhpPost:
    """The `$_POST` superglobal, plus the order names first appeared in (for print_r)."""

    values: PhpArray = field(default_factory=dict)

    def get_str(self, name: str) -> str | None:
        """A scalar field; None if absent or if it arrived as an array."""
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def get_list(self, name: str) -> list[str] | None:
        """An array field's scalar values, ordered by integer index (PROTOCOL.md section 1).

        Returns None if the field is absent or is not an array.
        """
        value = self.values.get(name)
        if not isinstance(value, dict):
            return None
        return [v for _, v in sorted_items(value) if isinstance(v, str)]

    def flag(self, name: str) -> bool:
        """A `hardcode to '1'` option: set when posted as 1 (PHP truthiness of the string)."""
        value = self.get_str(name)
        return value is not None and value not in ("", "0")

    def __contains__(self, name: object) -> bool:
        return name in self.values


def sorted_items(array: PhpArray) -> list[tuple[int | str, PhpValue]]:
    """Integer keys in ascending order first, then string keys in arrival order."""
    ints = sorted((k, v) for k, v in array.items() if isinstance(k, int))
    strs = [(k, v) for k, v in array.items() if isinstance(k, str)]
    return [*ints, *strs]


def build_post(pairs: Iterable[tuple[str, str]]) -> PhpPost:
    post = PhpPost()
    for name, value in pairs:
        split = _split_name(name)
        if split is None:
            continue
        base, keys = split
        _assign(post.values, base, keys, value)
    return post


def _assign(target: PhpArray, base: str, keys: list[str], value: str) -> None:
    if not keys:
        target[base] = value
        return
    node = target.get(base)
    if not isinstance(node, dict):
        node = {}
        target[base] = node
    for depth, raw in enumerate(keys):
        last = depth == len(keys) - 1
        key: int | str = _next_index(node) if raw == "" else _php_key(raw)
        if last:
            node[key] = value
        else:
            child = node.get(key)
            if not isinstance(child, dict):
                child = {}
                node[key] = child
            node = child


# --- body decoding ---------------------------------------------------------------------


def _media_type(content_type: str) -> tuple[str, dict[str, str]]:
    parts = content_type.split(";")
    media = parts[0].strip().lower()
    params: dict[str, str] = {}
    for part in parts[1:]:
        if "=" in part:
            key, _, val = part.partition("=")
            params[key.strip().lower()] = val.strip().strip('"')
    return media, params


def decode_text(raw: bytes) -> str:
    # PHP keeps bytes; we hold text. Invalid UTF-8 degrades to replacement characters.
    return raw.decode("utf-8", errors="replace")


# Base64 needs only these escapes (encoders write upper-case hex); a value using no others is
# unquoted with str.replace (C speed) instead of urllib's per-escape Python loop — a large
# upload is mostly this. Anything else takes urllib's path.
_BASE64_ESCAPES = (("%2B", "+"), ("%2F", "/"), ("%3D", "="))


def _unquote_plus(text: str) -> str:
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    if text.count("%") == sum(text.count(escape) for escape, _ in _BASE64_ESCAPES):
        for escape, char in _BASE64_ESCAPES:
            text = text.replace(escape, char)
        return text
    return unquote(text, errors="replace")


def parse_urlencoded(body: bytes) -> list[tuple[str, str]]:
    """Exactly `urllib.parse.parse_qsl(text, keep_blank_values=True)`, faster on big values."""
    pairs = []
    for part in decode_text(body).split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((_unquote_plus(name), _unquote_plus(value)))
    return pairs


def parse_multipart(body: bytes, boundary: str) -> list[tuple[str, str]]:
    """Fields of a multipart body; file parts go to `$_FILES` in PHP, so not here."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    pairs: list[tuple[str, str]] = []
    header_field = bytearray()
    header_value = bytearray()
    headers: dict[str, bytes] = {}
    data = bytearray()

    def on_part_begin() -> None:
        headers.clear()
        data.clear()

    def on_header_field(buf: bytes, start: int, end: int) -> None:
        header_field.extend(buf[start:end])

    def on_header_value(buf: bytes, start: int, end: int) -> None:
        header_value.extend(buf[start:end])

    def on_header_end() -> None:
        headers[bytes(header_field).decode("latin-1").lower()] = bytes(header_value)
        header_field.clear()
        header_value.clear()

    def on_part_data(buf: bytes, start: int, end: int) -> None:
        data.extend(buf[start:end])

    def on_part_end() -> None:
        disposition = headers.get("content-disposition", b"")
        _, options = parse_options_header(disposition)
        name = options.get(b"name")
        if name is None or b"filename" in options:
            return
        pairs.append((decode_text(name), decode_text(bytes(data))))

    callbacks = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }
    parser = MultipartParser(boundary.encode("latin-1"), callbacks)  # type: ignore[arg-type]
    try:
        parser.write(body)
        parser.finalize()
    except Exception:
        # A malformed body keeps what parsed cleanly, as PHP's parser does.
        pass
    return pairs


def parse_body(content_type: str | None, body: bytes) -> list[tuple[str, str]]:
    """The (name, value) pairs PHP would read into `$_POST`; other types give none."""
    if not content_type or not body:
        return []
    media, params = _media_type(content_type)
    if media == "application/x-www-form-urlencoded":
        return parse_urlencoded(body)
    if media == "multipart/form-data":
        boundary = params.get("boundary")
        if not boundary:
            return []
        return parse_multipart(body, boundary)
    return []


def parse_post(content_type: str | None, body: bytes) -> PhpPost:
    return build_post(parse_body(content_type, body))


# --- base64 ---------------------------------------------------------------------------

_B64_JUNK = re.compile(r"[\s]")


def decode_base64_tolerant(text: str) -> bytes | None:
    """Decode base64 the way FAXAGE tolerates it; None if it still is not base64.

    Spaces are `+` signs that arrived unencoded; other whitespace (line breaks) is
    dropped; missing padding is supplied; URL-safe characters are accepted.
    """
    if text.isascii():
        # The same cleaning as below, in one C pass: 2-3x faster on multi-megabyte files.
        raw = text.encode("ascii").translate(_B64_MAP, _B64_ASCII_SPACE).rstrip(b"=")
        if len(raw) % 4 == 1:
            return None
        return _b64decode(raw + b"=" * (-len(raw) % 4))
    cleaned = _B64_JUNK.sub("", text.replace(" ", "+"))
    cleaned = cleaned.replace("-", "+").replace("_", "/").rstrip("=")
    if len(cleaned) % 4 == 1:
        return None
    cleaned += "=" * (-len(cleaned) % 4)
    return _b64decode(cleaned.encode("ascii", errors="replace"))


_B64_MAP = bytes.maketrans(b" -_", b"++/")
# What `\s` matches below 0x80, besides the space (which is a `+`).
_B64_ASCII_SPACE = b"\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _b64decode(data: bytes) -> bytes | None:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


# --- print_r --------------------------------------------------------------------------

MASK = "********"


def print_r(post: PhpPost, mask: Iterable[str] = ("password",)) -> str:
    """`print_r($_POST)` output, with the named top-level fields masked (decision)."""
    masked = set(mask)
    lines = ["Array\n"]
    lines.extend(_print_hash(post.values, 0, masked))
    return "".join(lines)


def _print_hash(array: PhpArray, indent: int, masked: set[str]) -> Iterator[str]:
    pad = " " * indent
    yield f"{pad}(\n"
    for key, value in array.items():
        yield f"{pad}    [{key}] => "
        if isinstance(value, dict):
            yield "Array\n"
            yield from _print_hash(value, indent + 8, set())
        elif indent == 0 and key in masked:
            yield MASK
        else:
            yield value
        yield "\n"
    yield f"{pad})\n"
