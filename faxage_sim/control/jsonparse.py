"""JSON parsing that lets the event loop run meanwhile, for big control-plane bodies.

A worker thread alone does not keep the loop free: `json.loads` is C that never gives up the
GIL, so 50 MB of JSON parsed in a thread held every client ~0.6-0.9 s (docs/limits.md). This
parser gives the C scanner bounded pieces only, and walks the containers between them in
Python, where the interpreter hands the GIL to the loop every few milliseconds:

* a scalar (string, number, literal) is parsed by the C scanner where it stands: its cost
  is its own length;
* an object or array is first tried by the C scanner on a copy of at most `window`
  characters, growing to `max_window`: a container that ends within the window is parsed
  in one C call, exactly as `json.loads` parses it (the piece is a prefix of the same text);
* a bigger one is walked by `json.decoder`'s own Python JSONObject/JSONArray (the C
  scanner's pure-Python twins, with the same results and the same error messages), each
  member parsed again by these rules.

So the longest stretch without a switch point is one window (or one scalar), the result and
every error are those of `json.loads`, and nesting deeper than `max_depth` is refused as it
is met, before any deeper value is built.
"""

from __future__ import annotations

import codecs
import json
import json.decoder
import json.scanner
import re
import time
from collections.abc import Callable
from typing import Any, Final

FIRST_WINDOW: Final = 1024  # characters the C scanner is first given for a container
MAX_WINDOW: Final = 65_536  # ... at most (~1 ms of C): a bigger container is walked
DECODE_CHUNK: Final = 1 << 20  # bytes decoded at once
YIELD_EVERY: Final = 0.002  # seconds of parsing between two chances for the event loop
YIELD_SLEEP: Final = 0.0001
YIELD_CHECK_CALLS: Final = 64  # values parsed between two looks at the time

_WHITESPACE = re.compile(r"[ \t\n\r]*")  # json.decoder.WHITESPACE


def _past_whitespace(text: str, at: int) -> int:
    found = _WHITESPACE.match(text, at)
    return found.end() if found is not None else at  # (it always matches)

# The pure-Python container parsers json falls back to without its C accelerator (not in
# the type stubs).
_object_of: Callable[..., tuple[Any, int]] = json.decoder.JSONObject  # type: ignore[attr-defined]
_array_of: Callable[..., tuple[Any, int]] = json.decoder.JSONArray  # type: ignore[attr-defined]


class TooDeep(Exception):
    """Objects and arrays nest deeper than allowed."""


def decode_text(body: bytes) -> str:
    """The body as text, as `json.loads` decodes bytes (UTF-8/16/32 by their first bytes,
    a UTF-8 BOM dropped), a megabyte at a time."""
    decoder = codecs.getincrementaldecoder(json.detect_encoding(body))("surrogatepass")
    view = memoryview(body)
    parts = [decoder.decode(view[at:at + DECODE_CHUNK])
             for at in range(0, len(body), DECODE_CHUNK)]
    parts.append(decoder.decode(b"", final=True))
    return "".join(parts)


def loads_in_pieces(text: str, *, parse_float: Callable[[str], Any],
                    parse_constant: Callable[[str], Any], max_depth: int,
                    window: int = FIRST_WINDOW, max_window: int = MAX_WINDOW) -> Any:
    """`json.loads(text, parse_float=..., parse_constant=...)`, the same value or the same
    error, parsed in bounded pieces (see the module's docstring). Raises `TooDeep` past
    `max_depth` levels."""
    decoder = json.JSONDecoder(parse_float=parse_float, parse_constant=parse_constant)
    # The C scanner (its stub has the class take a scanner, not a decoder).
    c_scan: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
        decoder)  # type: ignore[arg-type]
    memo: dict[str, str] = {}
    calls = 0
    yielded = time.perf_counter()
    scanners: dict[int, Callable[[str, int], tuple[Any, int]]] = {}

    def scanner_at(depth: int) -> Callable[[str, int], tuple[Any, int]]:
        found = scanners.get(depth)
        if found is None:
            found = scanners[depth] = lambda s, idx: value_at(s, idx, depth)
        return found

    def value_at(s: str, idx: int, depth: int) -> tuple[Any, int]:
        nonlocal calls, yielded
        calls += 1
        if not calls % YIELD_CHECK_CALLS and time.perf_counter() - yielded > YIELD_EVERY:
            # The interpreter hands the GIL over only after 5 ms asked for: a short sleep
            # hands it at once, so the event loop runs an iteration every YIELD_EVERY.
            time.sleep(YIELD_SLEEP)
            yielded = time.perf_counter()
        opening = s[idx:idx + 1]
        if opening not in ("{", "["):
            return c_scan(s, idx)  # a scalar (or StopIteration: no value here)
        if depth >= max_depth:
            raise TooDeep
        size = window
        while idx + size < len(s) and size <= max_window:
            try:
                value, end = c_scan(s[idx:idx + size], 0)
            except (ValueError, StopIteration):
                # Cut short by the window (a number cut short may even fail otherwise), or
                # wrong: walking it finds the error, and says it as json.loads does.
                size *= 4
                continue
            except RecursionError as exc:
                raise TooDeep from exc
            return value, idx + end
        if idx + size >= len(s):  # the rest of the text fits the window: one C call
            try:
                return c_scan(s, idx)
            except RecursionError as exc:
                raise TooDeep from exc
        inner = scanner_at(depth + 1)
        if opening == "{":
            return _object_of((s, idx + 1), decoder.strict, inner, None, None, memo)
        return _array_of((s, idx + 1), inner)

    start = _past_whitespace(text, 0)
    try:
        value, end = value_at(text, start, 0)
    except StopIteration as err:
        raise json.JSONDecodeError("Expecting value", text, err.value) from None
    end = _past_whitespace(text, end)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value
