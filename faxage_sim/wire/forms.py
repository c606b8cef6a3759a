"""POST bodies as PHP sees them: `$_POST` built from urlencoded or multipart bodies.

FAXAGE is a PHP service, so a request means what PHP makes of it: `name[]` appends,
`name[N]` places at index N, a repeated plain `name` keeps the last value, a body of any
other content type (or an oversized one) arrives as an empty `$_POST`. PHP's bounds hold
too (max_input_vars, max_input_nesting_level, 64-bit integer keys), and parsing is linear
in the body's size whatever it holds (docs/limits.md).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Final, TypeAlias

import msgspec

log = logging.getLogger("faxage_sim")

# A PHP array: keys are ints or strings, values strings or nested arrays.
PhpValue: TypeAlias = "str | PhpArray"
PhpArray: TypeAlias = "dict[int | str, PhpValue]"

# PHP's limits on what a request may make of `$_POST` (php.ini defaults, docs/limits.md).
MAX_INPUT_VARS = 1000
MAX_INPUT_NESTING_LEVEL = 64
PHP_INT_MAX = 2**63 - 1
PHP_INT_MIN = -(2**63)
# A 64-bit integer has at most 19 digits: a longer key stays a string, a longer number saturates.
_LONG_DIGITS = 19

_INT_KEY = re.compile(r"(?:0|-?[1-9][0-9]*)")
# strtol's view of a number: leading C whitespace, a sign, digits.
_LEADING_INT = re.compile(r"[ \t\n\r\v\f]*([+-]?)0*([0-9]*)")


def php_intval(value: str | None) -> int:
    """PHP's `intval` of a posted field, as the service reads ids: the leading integer
    (leading whitespace and a sign allowed), 0 when there is none, saturating at
    PHP_INT_MAX / PHP_INT_MIN however many digits follow (strtol), never a Python error."""
    if not value:
        return 0
    if len(value) <= _LONG_DIGITS - 1 and value.isascii() and value.isdigit():
        return int(value)  # a plain id: what nearly every request posts
    match = _LEADING_INT.match(value)
    assert match is not None  # every part of the pattern may be empty
    sign, digits = match.groups()
    if not digits:
        return 0
    if len(digits) > _LONG_DIGITS:
        return PHP_INT_MIN if sign == "-" else PHP_INT_MAX
    number = -int(digits) if sign == "-" else int(digits)
    return min(max(number, PHP_INT_MIN), PHP_INT_MAX)


def posted_id(value: str | None) -> int | None:
    """An id field that must be all digits (surrounding spaces allowed), as intval reads it;
    None when it is missing, empty or not a number."""
    text = (value or "").strip()
    if not text or not text.isascii() or not text.isdigit():
        return None
    return php_intval(text)


def _php_key(raw: str) -> int | str:
    """PHP turns decimal-integer-looking keys that fit a 64-bit integer into ints; any other
    key (a leading zero, "-0", 20 digits and more) stays a string."""
    if len(raw) <= _LONG_DIGITS and _INT_KEY.fullmatch(raw):
        value = int(raw)
        if PHP_INT_MIN <= value <= PHP_INT_MAX:
            return value
    return raw


class _PhpHash(dict[int | str, PhpValue]):
    """A PHP array being built: remembers its next free integer index as PHP's hash table
    does (nNextFreeElement), so `name[]` appends in constant time."""

    __slots__ = ("next_free",)
    next_free: int

    @classmethod
    def new(cls) -> _PhpHash:
        # Made by dict's own constructor (no __init__ in Python): one is made for every
        # `name[]` field of every request.
        made = cls()
        made.next_free = 0
        return made

    def put(self, key: int | str, value: PhpValue) -> None:
        self[key] = value
        if isinstance(key, int) and key >= self.next_free:
            self.next_free = min(key + 1, PHP_INT_MAX)

    def append(self, value: PhpValue) -> bool:
        """`name[]`: False when the next index is taken (PHP_INT_MAX reached): PHP drops it."""
        at = self.next_free
        if at in self:
            return False
        self[at] = value
        self.next_free = at + 1 if at < PHP_INT_MAX else PHP_INT_MAX
        return True


class _Name(msgspec.Struct, frozen=True):
    """A form field's name split as PHP splits it: `a[b][]` is base `a`, keys `b` and append."""

    base: str
    keys: list[str | None]  # None: `[]` (append)
    too_deep: bool = False


def _split_name(name: str) -> _Name | None:
    """Split `a[b][c]` into ("a", ["b", "c"]) the way php_register_variable_ex does.

    Linear in the name's length; stops at the nesting limit, where PHP drops the whole
    variable (too_deep)."""
    name = name.split("\0", 1)[0].lstrip(" ")  # C strings: the name ends at a NUL
    bracket = name.find("[")
    base = name if bracket < 0 else name[:bracket]
    # PHP maps spaces and dots in the base name to underscores.
    base = base.replace(" ", "_").replace(".", "_")
    if not base:
        return None
    if bracket < 0:
        return _Name(base, [])
    keys: list[str | None] = []
    at = bracket
    while at < len(name) and name[at] == "[":
        if len(keys) == MAX_INPUT_NESTING_LEVEL:
            return _Name(base, keys, too_deep=True)
        close = name.find("]", at + 1)
        if close < 0:
            # An unterminated bracket: PHP turns the '[' into '_' and keeps the rest plain.
            if not keys:
                return _Name(base + "_" + name[at + 1:], [])
            break
        key = name[at + 1:close]
        keys.append(None if key in ("", " ") else key)
        at = close + 1
    return _Name(base, keys)


class PhpPost(msgspec.Struct):
    """The `$_POST` superglobal, plus the order names first appeared in (for print_r)."""

    values: PhpArray = msgspec.field(default_factory=dict)

    def get_str(self, name: str) -> str | None:
        """A scalar field; None if absent or if it arrived as an array."""
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def get_list(self, name: str) -> list[str] | None:
        """An array field's scalar values, ordered by integer index (docs/protocol.md).

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
    if isinstance(array, _PhpHash) and len(array) == array.next_free \
            and all(key == at for at, key in enumerate(array)):
        return list(array.items())  # what `name[]=` builds: 0, 1, 2... in arrival order
    ints = sorted(((k, v) for k, v in array.items() if isinstance(k, int)), key=lambda kv: kv[0])
    strs = [(k, v) for k, v in array.items() if isinstance(k, str)]
    return [*ints, *strs]


_UNSPLIT = _Name("", [])


# Field names seen before, split: clients post the same few names on every request. Only
# short names are kept, and only so many, so that no client can make it grow without bound.
_KNOWN_NAME_LIMIT = 512
_KNOWN_NAME_CHARS = 64
_known_names: dict[str, _Name | None] = {}


def build_post(pairs: Iterable[tuple[str, str]]) -> PhpPost:
    """`$_POST` from (name, value) pairs, in linear time; the caller has already applied
    max_input_vars (`parse_body`)."""
    post = PhpPost()
    names: dict[str, _Name | None] = {}  # a form repeats its names: split each once
    known = _known_names
    for name, value in pairs:
        split = known.get(name, _UNSPLIT)
        if split is _UNSPLIT:
            split = names.get(name, _UNSPLIT)
            if split is _UNSPLIT:
                split = names[name] = _split_name(name)
                if len(name) <= _KNOWN_NAME_CHARS and len(known) < _KNOWN_NAME_LIMIT:
                    known[name] = split
        if split is None:
            continue
        if split.too_deep:
            # PHP deletes the whole variable, earlier values included (php_variables.c).
            post.values.pop(split.base, None)
            continue
        _assign(post.values, split.base, split.keys, value)
    return post


def _assign(target: PhpArray, base: str, keys: list[str | None], value: str) -> None:
    if not keys:
        target[base] = value
        return
    node = target.get(base)
    if not isinstance(node, _PhpHash):
        node = _PhpHash.new()
        target[base] = node
    for depth, raw in enumerate(keys):
        last = depth == len(keys) - 1
        if raw is None:
            if last:
                node.append(value)
                return
            child = _PhpHash.new()
            if not node.append(child):
                return  # PHP drops the variable when the next index is taken
            node = child
            continue
        key = _php_key(raw)
        if last:
            node.put(key, value)
            return
        existing = node.get(key)
        if isinstance(existing, _PhpHash):
            node = existing
        else:
            child = _PhpHash.new()
            node.put(key, child)
            node = child


# --- body decoding ---------------------------------------------------------------------


def _media_type(content_type: str) -> str:
    """The content type as SAPI reads it: lower-cased (ASCII), up to the first `;`, `,` or
    space (so a leading space leaves nothing PHP recognises)."""
    cut = min((at for at in map(content_type.find, ";, ") if at >= 0), default=len(content_type))
    return content_type[:cut].encode("latin-1", "replace").lower().decode("latin-1")


def _multipart_boundary(content_type: str) -> str | None:
    """The boundary as rfc1867.c finds it: after the first `boundary` (any case) and its
    `=`, either "quoted" or up to the first `,` or `;`, spaces and all."""
    lowered = content_type.encode("latin-1", "replace").lower().decode("latin-1")
    at = lowered.find("boundary")
    equals = content_type.find("=", at) if at >= 0 else -1
    if equals < 0:
        return None
    rest = content_type[equals + 1:]
    if rest.startswith('"'):
        close = rest.find('"', 1)
        return rest[1:close] if close > 0 else None
    cut = min((i for i in (rest.find(","), rest.find(";")) if i >= 0), default=len(rest))
    return rest[:cut]


# A body at least this big is parsed in a worker thread (endpoints/base.py), so the event
# loop goes on answering other clients meanwhile.
PARSE_IN_THREAD_BYTES = 64 * 1024
# Long C calls hold the GIL: big bodies are worked on in slices of this size, so a server
# thread parsing a 64 MiB body in the background never stalls the event loop for long.
SLICE_BYTES = 256 * 1024


# Bytes looked for as ints: `37 in raw` is a memchr, `b"%" in raw` a substring search with
# its setup (several times the cost on the short values of every request).
_PERCENT: Final = ord("%")
_PLUS: Final = ord("+")


def decode_text(raw: bytes) -> str:
    """PHP keeps bytes; we hold text. Invalid UTF-8 degrades to replacement characters."""
    if len(raw) <= SLICE_BYTES:
        return raw.decode("utf-8", errors="replace")
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    parts = [decoder.decode(raw[at:at + SLICE_BYTES]) for at in range(0, len(raw), SLICE_BYTES)]
    parts.append(decoder.decode(b"", final=True))
    return "".join(parts)


# For a quick census of escapes: hex digits read `h`, `%` stays, everything else is `o`.
_ESCAPE_MARKS = bytes(
    ord("h") if chr(b) in "0123456789ABCDEFabcdef" else b if b == ord("%") else ord("o")
    for b in range(256))
_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def php_url_decode(raw: bytes) -> bytes:
    """PHP's urldecode, at C speed: `+` is a space, `%XX` (hex of either case) is that byte,
    any other `%` stays itself.

    binascii's quoted-printable decoder does the work: once every `%` starts a valid
    escape (a lone one is spelled `%25` first) and every `=` is spelled `=3D`, turning `%`
    into `=` gives exactly the quoted-printable spelling of the same bytes."""
    raw = raw.replace(b"+", b" ")
    if _PERCENT not in raw:
        return raw
    if len(raw) <= SLICE_BYTES:
        return _url_decode_slice(raw)
    return b"".join(_url_decode_slice(piece) for piece in _escape_safe_slices(raw))


def _url_decode_slice(raw: bytes) -> bytes:
    marks = raw.translate(_ESCAPE_MARKS)
    if marks.count(b"%") != marks.count(b"%hh"):
        raw = _BAD_PERCENT.sub(b"%25", raw)  # only lone `%`s come here: slower, still linear
    return binascii.a2b_qp(raw.replace(b"=", b"=3D").replace(b"%", b"="))


def _escape_safe_slices(raw: bytes) -> Iterator[bytes]:
    """SLICE_BYTES-sized pieces, never cutting a `%XX` escape in two."""
    start = 0
    while start < len(raw):
        cut = start + SLICE_BYTES
        if cut < len(raw):
            if raw[cut - 1] == ord("%"):
                cut -= 1
            elif raw[cut - 2] == ord("%"):
                cut -= 2
        yield raw[start:cut]
        start = cut


def _form_text(raw: bytes) -> str:
    if len(raw) <= SLICE_BYTES and _PERCENT not in raw and _PLUS not in raw:
        return raw.decode("utf-8", errors="replace")  # most values: nothing to decode
    return decode_text(php_url_decode(raw))


def parse_urlencoded(body: bytes, max_vars: int = MAX_INPUT_VARS) -> list[tuple[str, str]]:
    """The (name, value) pairs of a urlencoded body as PHP reads them: split at `&` and the
    first `=`, url-decoded as bytes, then read as UTF-8. (For UTF-8 bodies, exactly
    `urllib.parse.parse_qsl(text, keep_blank_values=True)`.)

    No further than PHP reads: it counts every `&`-separated piece (empty ones too) and stops
    once the count passes `max_vars` — the piece that passes it is kept
    (php_variables.c add_post_vars checks after registering)."""
    pairs = []
    names = _known_raw_names  # a form repeats its names: decode each once
    for part in body.split(b"&", max_vars + 1)[:max_vars + 1]:
        if part:
            raw_name, _, raw_value = part.partition(b"=")
            name = names.get(raw_name)
            if name is None:
                name = _form_text(raw_name)
                if len(raw_name) <= _KNOWN_NAME_CHARS and len(names) < _KNOWN_NAME_LIMIT:
                    names[raw_name] = name
            if len(raw_value) <= SLICE_BYTES and _PERCENT not in raw_value \
                    and _PLUS not in raw_value:
                value = raw_value.decode("utf-8", errors="replace")  # most values
            else:
                value = decode_text(php_url_decode(raw_value))
            pairs.append((name, value))
    return pairs


# Raw field names seen before, decoded (bounded as `_known_names` is).
_known_raw_names: dict[bytes, str] = {}


def post_from_urlencoded(body: bytes, max_vars: int = MAX_INPUT_VARS) -> PhpPost:
    """`build_post(parse_urlencoded(body, max_vars))` in one pass, as every request is read:
    each raw name is decoded and split once per process (`_known_raw_fields`), a plain
    field is set in place, and no list of pairs is built."""
    post = PhpPost()
    values = post.values
    known = _known_raw_fields
    names: dict[bytes, _Name | None] = {}  # a form repeats its names: split each once
    for part in body.split(b"&", max_vars + 1)[:max_vars + 1]:
        if not part:
            continue
        raw_name, _, raw_value = part.partition(b"=")
        split = known.get(raw_name, _UNSPLIT)
        if split is _UNSPLIT:
            split = names.get(raw_name, _UNSPLIT)
            if split is _UNSPLIT:
                split = names[raw_name] = _split_name(_form_text(raw_name))
                if len(raw_name) <= _KNOWN_NAME_CHARS and len(known) < _KNOWN_NAME_LIMIT:
                    known[raw_name] = split
        if split is None:
            continue
        if len(raw_value) <= SLICE_BYTES and _PERCENT not in raw_value and _PLUS not in raw_value:
            value = raw_value.decode("utf-8", "replace")  # most values
        else:
            value = decode_text(php_url_decode(raw_value))
        keys = split.keys
        if not keys:
            values[split.base] = value
        elif keys == _APPEND:  # `name[]`, as a list of files is posted
            node = values.get(split.base)
            if type(node) is not _PhpHash:
                node = values[split.base] = _PhpHash.new()
            node.append(value)
        elif split.too_deep:
            # PHP deletes the whole variable, earlier values included (php_variables.c).
            values.pop(split.base, None)
        else:
            _assign(values, split.base, split.keys, value)
    return post


_APPEND: list[str | None] = [None]
# Raw field names seen before, decoded and split (bounded as `_known_names` is).
_known_raw_fields: dict[bytes, _Name | None] = {}


class _EnoughFields(Exception):
    """max_input_vars fields are in: the rest of a multipart body cannot change `$_POST`."""


# python-multipart refuses boundaries over 256 bytes; PHP's rfc1867.c takes any length.
_PARSER_BOUNDARY_LIMIT = 256


def parse_multipart(body: bytes, boundary: str,
                    max_vars: int = MAX_INPUT_VARS) -> list[tuple[str, str]]:
    """Fields of a multipart body; file parts go to `$_FILES` in PHP, so not here. Past
    `max_vars` fields PHP registers no more (rfc1867.c); a malformed body keeps what parsed
    cleanly before the fault."""
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
        if len(pairs) < max_vars:
            data.extend(buf[start:end])

    def on_part_end() -> None:
        if len(pairs) >= max_vars:
            raise _EnoughFields  # nothing later can reach $_POST: stop reading
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
    raw_boundary = boundary.encode("latin-1", errors="replace")
    try:
        if len(raw_boundary) <= _PARSER_BOUNDARY_LIMIT:
            parser = MultipartParser(raw_boundary, callbacks)  # type: ignore[arg-type]
        else:
            # The parser's only use of the boundary is this attribute: set past its check.
            parser = MultipartParser(b"-", callbacks)  # type: ignore[arg-type]
            parser.boundary = b"\r\n--" + raw_boundary
        parser.write(body)
        parser.finalize()
    except Exception:
        # A malformed body keeps what parsed cleanly, as PHP's parser does.
        pass
    return pairs


_URLENCODED = "application/x-www-form-urlencoded"


def parse_body(content_type: str | None, body: bytes) -> list[tuple[str, str]]:
    """The (name, value) pairs PHP would read into `$_POST`; other types give none."""
    if not content_type or not body:
        return []
    # What nearly every client sends, spelled exactly: no need to take it apart.
    media = content_type if content_type == _URLENCODED else _media_type(content_type)
    if media == "application/x-www-form-urlencoded":
        return parse_urlencoded(body)
    if media == "multipart/form-data":
        boundary = _multipart_boundary(content_type)
        if not boundary:
            return []
        return parse_multipart(body, boundary)
    return []


def parse_post(content_type: str | None, body: bytes) -> PhpPost:
    """`$_POST` for a request. Never raises: a body this code cannot read is what PHP makes
    of a body it cannot read, an empty `$_POST` (logged, since it would be an emulator bug)."""
    try:
        if content_type and body and (content_type == _URLENCODED
                                      or _media_type(content_type) == _URLENCODED):
            return post_from_urlencoded(body)  # what nearly every client sends
        return build_post(parse_body(content_type, body))
    except Exception:
        log.exception("faxage-sim: a POST body could not be parsed; answered as an empty POST")
        return PhpPost()


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
