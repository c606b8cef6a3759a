"""Records to JSON-ready data and back, driven by the dataclasses' own type hints.

Each class gets an encoder and a decoder compiled once (per-field converters, none at all for
plain str/int/bool fields), so a hundred thousand jobs dump and load in a few seconds. Bytes
(document and fax files) never go into the JSON: they are interned by SHA-256 into a
`DocumentPool` and referenced by their hash, so a file is stored once however many records
(or snapshots) hold it.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import operator
import random
import threading
import types
import typing
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from ..core.jobs import Document, DocumentSource

Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]

# Fields that are not state: caches, live links between objects, callables. Rebuilt on load.
SKIPPED_FIELDS = frozenset({
    "file_cache", "pending_event", "desk", "inbox", "scheduler", "clock", "backoff", "_regex",
    "inspection",
})


# Every persisted float is a time (epoch seconds), a duration, a speed or a probability: none
# is negative or past the year 3000 (`validate` explains the bound).
MAX_FLOAT = 32_503_680_000.0


class CodecError(ValueError):
    """Data that does not decode into the record it claims to be."""


class DocumentPool:
    """Files by SHA-256: `put` when dumping, `get` when loading.

    `files` maps a digest to its bytes, or to a `Document` whose bytes are kept compressed
    or in the `--state` file: those are read back by `materialized`, off the event loop
    (the writer thread, a snapshot's worker). A pool reading the `--state` file (`source`)
    leaves documents' bytes in it (`lengths`: what it holds, while loading); a saving pool
    forgets what the file has committed (`committed`). It keeps no list of every digest the
    file holds (that would grow with every document of a long run): a document kept in the
    file (`Document.source`) is known to be there; bytes in memory equal to a file's document
    are written again, and ignored by the file (`INSERT OR IGNORE`), until they leave memory."""

    def __init__(self, files: dict[str, bytes] | None = None, *,
                 source: DocumentSource | None = None,
                 lengths: dict[str, int] | None = None) -> None:
        self.files: dict[str, bytes | Document] = dict(files) if files is not None else {}
        self.added: dict[str, bytes | Document] = {}  # put since the last `take_added`
        self.source = source
        self.lengths: dict[str, int] = lengths if lengths is not None else {}
        self._by_id: dict[int, tuple[bytes, str]] = {}

    def put(self, data: bytes) -> str:
        known = self._by_id.get(id(data))
        if known is not None and known[0] is data:
            return known[1]
        digest = hashlib.sha256(data).hexdigest()
        self._by_id[id(data)] = (data, digest)
        if digest not in self.files:
            self.files[digest] = data
            self.added[digest] = data
        return digest

    def put_document(self, document: Document) -> str | None:
        """The digest a job's document is stored under (None: it has no bytes). Bytes held
        compressed or in the file are not read here: `materialized` reads them."""
        digest = document.digest
        if digest is None:
            data = document.data if document.in_memory else None
            return None if data is None else self.put(data)
        if document.source is not None and document.source is self.source:
            return digest  # kept in this pool's file: nothing to write
        if digest not in self.files:
            self.files[digest] = document
            self.added[digest] = document
        return digest

    def get(self, digest: Any) -> bytes:
        if not isinstance(digest, str):
            raise CodecError(f"a record refers to a missing document {digest!r}")
        found = self.files.get(digest)
        if found is None:
            if self.source is None or digest not in self.lengths:
                raise CodecError(f"a record refers to a missing document {digest!r}")
            return self.source.read(digest)  # a received fax's file: read when loading
        return found if isinstance(found, bytes) else _read_back(found)

    def get_into(self, document: Document, digest: Any) -> None:
        """A job's document decoded: its bytes, or where they are kept (the file)."""
        from ..core.jobs import key_of

        if isinstance(digest, str) and digest not in self.files \
                and self.source is not None and digest in self.lengths \
                and key_of(digest, self.lengths[digest]) is not None:
            document.keep_in(self.source, digest, self.lengths[digest])
        else:
            document.data = self.get(digest)

    def take_added(self) -> dict[str, bytes | Document]:
        added, self.added = self.added, {}
        self._by_id.clear()  # a saving pool must not keep every file it ever hashed
        return added

    def materialized(self) -> dict[str, bytes]:
        """Every file as bytes (reads back compressed and stored ones: off the loop)."""
        return read_back(self.files)

    def committed(self, digests: Iterable[str]) -> None:
        """The --state file holds these now: memory no longer needs to."""
        for digest in digests:
            self.files.pop(digest, None)


def _read_back(document: Document) -> bytes:
    data = document.load()
    if data is None:  # its bytes were replaced since (a URL fetched again): none to keep
        raise CodecError(f"the bytes of document {document.filename!r} are gone")
    return data


def read_back(files: dict[str, bytes | Document]) -> dict[str, bytes]:
    return {digest: found if isinstance(found, bytes) else _read_back(found)
            for digest, found in files.items()}


# The pool of the dump or load in progress, one per thread: the loop, the state writer and
# a snapshot decoded in a worker each have their own.
_pools = threading.local()


def use_pool(pool: DocumentPool | None) -> None:
    _pools.current = pool


def _pool_now() -> DocumentPool:
    pool: DocumentPool | None = getattr(_pools, "current", None)
    if pool is None:
        raise CodecError("no document pool")
    return pool


_ENCODERS: dict[Any, Encoder | None] = {}
_DECODERS: dict[Any, Decoder | None] = {}
_PLAIN = (str, int, bool, type(None), Any)


def encode(cls: Any, value: Any) -> Any:
    enc = encoder(cls)
    return value if enc is None else enc(value)


def decode(cls: Any, data: Any) -> Any:
    dec = decoder(cls)
    return data if dec is None else dec(data)


def encoder(tp: Any) -> Encoder | None:
    """None: the value is already JSON-ready as it is."""
    if tp in _ENCODERS:
        return _ENCODERS[tp]
    _ENCODERS[tp] = None  # recursion guard
    _ENCODERS[tp] = enc = _make_encoder(tp)
    return enc


def decoder(tp: Any) -> Decoder | None:
    if tp in _DECODERS:
        return _DECODERS[tp]
    _DECODERS[tp] = None
    _DECODERS[tp] = dec = _make_decoder(tp)
    return dec


def _args(tp: Any) -> tuple[Any, ...]:
    return typing.get_args(tp)


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (Union, types.UnionType)


def _hints(cls: type) -> dict[str, Any]:
    import sys

    module = sys.modules[cls.__module__]
    try:
        # Each class's own annotations in its own module (a field may come from a base
        # declared elsewhere, as FaultSpec's from faults.spec.FaultFields).
        return typing.get_type_hints(cls)
    except NameError:
        # TYPE_CHECKING-only names belong to skipped fields: resolve field by field.
        hints: dict[str, Any] = {}
        for f in record_fields(cls):
            if f.name in SKIPPED_FIELDS:
                continue
            hints[f.name] = eval(f.type, vars(module)) if isinstance(f.type, str) else f.type
        return hints


class RecordField(typing.NamedTuple):
    """One field of a record type, dataclass or `msgspec.Struct` alike."""

    name: str
    type: Any  # as annotated: a string under `from __future__ import annotations`
    init: bool
    has_default: bool


def is_record(tp: Any) -> bool:
    """A record type the codec walks field by field: a dataclass or a `msgspec.Struct`."""
    return isinstance(tp, type) and (dataclasses.is_dataclass(tp)
                                     or hasattr(tp, "__struct_fields__"))


def record_fields(cls: Any) -> tuple[RecordField, ...]:
    """The fields of a record type (or of a record), in declaration order."""
    if not isinstance(cls, type):
        cls = type(cls)
    names: tuple[str, ...] | None = getattr(cls, "__struct_fields__", None)
    if names is None:
        return tuple(RecordField(f.name, f.type, f.init,
                                 f.default is not dataclasses.MISSING
                                 or f.default_factory is not dataclasses.MISSING)
                     for f in dataclasses.fields(cls))
    import inspect

    annotations: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        annotations.update(inspect.get_annotations(klass))
    defaults = len(cls.__struct_defaults__)
    return tuple(RecordField(name, annotations[name], True, i >= len(names) - defaults)
                 for i, name in enumerate(names))


def _fields(cls: type) -> list[tuple[str, Any, bool]]:
    hints = _hints(cls)
    return [(f.name, hints[f.name], f.init) for f in record_fields(cls)
            if f.name not in SKIPPED_FIELDS]


def _make_encoder(tp: Any) -> Encoder | None:
    if tp in _PLAIN:
        return None
    if tp is float:
        return float
    if tp is bytes:
        return lambda v: _pool_now().put(v)
    if tp is random.Random:
        return lambda v: _state_to_data(v.getstate())
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return lambda v: v.value
    if _is_union(tp):
        inner = [a for a in _args(tp) if a is not type(None)]
        if len(inner) == 1:
            enc = encoder(inner[0])
            if enc is None:
                return None
            return lambda v: None if v is None else enc(v)
        if all(a in (int, float, str, bool) for a in inner):
            return None  # plain JSON values
        raise TypeError(f"cannot persist {tp}")
    origin = typing.get_origin(tp)
    if origin in (list, tuple, set, frozenset):
        args = [a for a in _args(tp) if a is not Ellipsis]
        item = encoder(args[0]) if args else None
        if origin in (set, frozenset):
            return (lambda v: sorted(v)) if item is None else (lambda v: sorted(item(x) for x in v))
        return (lambda v: list(v)) if item is None else (lambda v: [item(x) for x in v])
    if origin is dict:
        key_t, val_t = _args(tp)
        key, val = encoder(key_t), encoder(val_t)
        return lambda v: [[k if key is None else key(k), x if val is None else val(x)]
                          for k, x in v.items()]
    if _is_document(tp):
        return _encode_document
    names = _listed_fields(tp)
    if names is not None:
        hints = typing.get_type_hints(tp)
        encs = [encoder(hints[name]) for name in names]
        values = operator.attrgetter(*names) if len(names) > 1 else (
            lambda v: (getattr(v, names[0]),))

        def encode_listed(v: Any) -> list[Any]:
            return [x if e is None else e(x) for e, x in zip(encs, values(v), strict=True)]

        return encode_listed
    if is_record(tp):
        return _dataclass_encoder(tp)
    raise TypeError(f"cannot persist {tp}")


def _state_to_data(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_state_to_data(v) for v in value]
    return value


def _data_to_state(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_data_to_state(v) for v in value)
    return value


def _check(ok: bool, what: str, data: Any) -> None:
    if not ok:
        raise CodecError(f"expected {what}, found {str(data)[:60]!r}")


def _make_decoder(tp: Any) -> Decoder | None:
    if tp is Any:
        return None
    if tp in (str, int, bool):
        def check_plain(data: Any) -> Any:
            if type(data) is not tp:
                _check(False, tp.__name__, data)
            return data
        return check_plain
    if tp is type(None):
        def check_none(data: Any) -> None:
            _check(data is None, "null", data)
        return check_none
    if tp is float:
        def to_float(data: Any) -> float:
            _check(isinstance(data, int | float) and not isinstance(data, bool)
                   and 0 <= data <= MAX_FLOAT, f"a number from 0 to {MAX_FLOAT:.0f}", data)
            return float(data)
        return to_float
    if tp is bytes:
        return lambda d: _pool_now().get(d)
    if tp is random.Random:
        def to_random(data: Any) -> random.Random:
            rng = random.Random()
            try:
                rng.setstate(_data_to_state(data))
            except Exception as exc:  # any state setstate refuses is bad data
                raise CodecError(f"a random generator state is not valid: {exc}") from exc
            return rng
        return to_random
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        members = dict(tp._value2member_map_)

        def to_enum(data: Any) -> Any:
            try:
                return members[data]
            except (KeyError, TypeError):
                raise CodecError(f"{str(data)[:60]!r} is not a {tp.__name__}") from None
        return to_enum
    if _is_union(tp):
        inner = [a for a in _args(tp) if a is not type(None)]
        if len(inner) == 1:
            dec = decoder(inner[0])
            return lambda d: None if d is None else (d if dec is None else dec(d))
        if not all(a in (int, float, str, bool) for a in inner):
            raise TypeError(f"cannot load {tp}")
        allowed = tuple(inner) + ((type(None),) if len(inner) < len(_args(tp)) else ())

        def plain_value(data: Any) -> Any:
            _check(isinstance(data, allowed), " or ".join(a.__name__ for a in allowed), data)
            return data
        return plain_value
    origin = typing.get_origin(tp)
    if origin in (list, tuple, set, frozenset):
        args = [a for a in _args(tp) if a is not Ellipsis]
        item = decoder(args[0]) if args else None
        make: Callable[[Any], Any] = {list: list, tuple: tuple, set: set,
                                      frozenset: frozenset}[origin]

        def to_collection(data: Any) -> Any:
            if data.__class__ is not list:
                _check(False, "a list", data)
            if item is None:
                return data if make is list else make(data)
            return make([item(x) for x in data]) if make is not list else [item(x) for x in data]

        return to_collection
    if origin is dict:
        key_t, val_t = _args(tp)
        key, val = decoder(key_t), decoder(val_t)

        def to_dict(data: Any) -> dict[Any, Any]:
            _check(isinstance(data, list), "a list of pairs", data)
            out = {}
            for pair in data:
                _check(isinstance(pair, list) and len(pair) == 2, "a pair", pair)
                k, x = pair
                out[k if key is None else key(k)] = x if val is None else val(x)
            return out

        return to_dict
    if _is_document(tp):
        return _decode_document
    if _listed_fields(tp) is not None:
        return _listed_decoder(tp)
    if is_record(tp):
        return _dataclass_decoder(tp)
    raise TypeError(f"cannot load {tp}")


_AFTER_DECODE: dict[type, Callable[[Any], Any]] = {}


# --- a job's document: its bytes by digest, wherever they are kept (`core.jobs.Document`)

def _is_document(tp: Any) -> bool:
    from ..core.jobs import Document

    return tp is Document


def _encode_document(o: Document) -> dict[str, Any]:
    # The fields as stored since schema 1; where the bytes are kept is not state.
    return {"filename": o.filename, "data": _pool_now().put_document(o), "url": o.url,
            "filetype": o.filetype}


def _decode_document(d: Any) -> Document:
    from ..core.jobs import Document

    if d.__class__ is not dict:
        _bad_field("Document", None, d)
    try:
        filename, data, url, filetype = d["filename"], d["data"], d["url"], d["filetype"]
    except KeyError as missing:
        _bad_field("Document", missing.args[0], "nothing")
    if filename.__class__ is not str:
        _bad_field("Document", "filename", filename)
    for name, value in (("url", url), ("filetype", filetype)):
        if value is not None and value.__class__ is not str:
            _bad_field("Document", name, value)
    document = Document(filename, None, url, filetype)
    if data is not None:
        try:
            _pool_now().get_into(document, data)
        except CodecError as exc:
            _inner_error("Document", "data", exc)
    return document


# --- dataclasses: one generated function per class (a hundred thousand jobs load in seconds)

_CHECKED = {str: "str", int: "int", bool: "bool"}


def _optional(hint: Any) -> tuple[Any, bool]:
    if _is_union(hint):
        inner = [a for a in _args(hint) if a is not type(None)]
        if len(inner) == 1 and len(_args(hint)) == 2:
            return inner[0], True
    return hint, False


def _dataclass_encoder(cls: type) -> Encoder:
    names: dict[str, Any] = {}
    parts = []
    for name, hint, _init in _fields(cls):
        enc = encoder(hint)
        if enc is None:
            parts.append(f"{name!r}: o.{name}")
        else:
            names[f"e_{name}"] = enc
            parts.append(f"{name!r}: None if o.{name} is None else e_{name}(o.{name})")
    source = f"def encode_{cls.__name__}(o):\n    return {{{', '.join(parts)}}}\n"
    exec(source, names)  # generated from the dataclass fields
    encode_record: Encoder = names[f"encode_{cls.__name__}"]
    return encode_record


def _dataclass_decoder(cls: type) -> Decoder:
    """`d` (a dict) to `cls`: each field checked (plain types inline, records through their
    own decoder); a missing or wrong field raises `CodecError` naming it."""
    names: dict[str, Any] = {"cls": cls, "bad": _bad_field, "KeyError": KeyError,
                             "CodecError": CodecError, "inner": _inner_error,
                             "setattr": object.__setattr__, "fix": _AFTER_DECODE.get(cls)}
    lines = [f"def decode_{cls.__name__}(d):",
             "    if d.__class__ is not dict:",
             f"        bad({cls.__name__!r}, None, d)",
             "    try:"]
    init_args: list[str] = []
    later: list[str] = []
    for f in record_fields(cls):
        if f.name in SKIPPED_FIELDS and f.init and not f.has_default:
            init_args.append(f"{f.name}=None")  # set after loading (a callable, say)
    for name, hint, init in _fields(cls):
        base, optional = _optional(hint)
        var = f"v_{name}"
        lines.append(f"        {var} = d[{name!r}]")
        guard = f"{var} is not None and " if optional else ""
        if base in _CHECKED:
            names[f"t_{name}"] = base
            lines.append(f"        if {guard}{var}.__class__ is not t_{name}:")
            lines.append(f"            bad({cls.__name__!r}, {name!r}, {var})")
        elif base is float:
            names["to_float"] = decoder(float)
            lines.append(f"        if {guard}{var}.__class__ is not float:")
            lines.append("            try:")
            lines.append(f"                {var} = to_float({var})")
            lines.append("            except CodecError as exc:")
            lines.append(f"                inner({cls.__name__!r}, {name!r}, exc)")
        elif base is not Any:
            dec = decoder(hint)
            if not optional:
                lines.append(f"        if {var} is None:")
                lines.append(f"            bad({cls.__name__!r}, {name!r}, None)")
            if dec is not None:
                names[f"d_{name}"] = dec
                lines.append(f"        if {var} is not None:")
                lines.append("            try:")
                lines.append(f"                {var} = d_{name}({var})")
                lines.append("            except CodecError as exc:")
                lines.append(f"                inner({cls.__name__!r}, {name!r}, exc)")
        (init_args if init else later).append(f"{name}={var}" if init else name)
    lines.append("    except KeyError as missing:")
    lines.append(f"        bad({cls.__name__!r}, missing.args[0], 'nothing')")
    lines.append("    try:")
    lines.append(f"        o = cls({', '.join(init_args)})")
    lines.append("    except (TypeError, ValueError, OverflowError) as exc:")
    lines.append(f"        bad({cls.__name__!r}, None, exc)")
    for name in later:
        lines.append(f"    setattr(o, {name!r}, v_{name})")
    lines.append("    return o if fix is None else fix(o)")
    exec("\n".join(lines) + "\n", names)  # generated from the fields
    decode_record: Decoder = names[f"decode_{cls.__name__}"]
    return decode_record


def _listed_fields(tp: Any) -> tuple[str, ...] | None:
    """The fields of a record stored as a list of its values, in order: a NamedTuple, or a
    `msgspec.Struct` declared `array_like` (`CallRecord`)."""
    if not isinstance(tp, type):
        return None
    if issubclass(tp, tuple) and hasattr(tp, "_fields"):
        fields: tuple[str, ...] = tp._fields
        return fields
    config = getattr(tp, "__struct_config__", None)
    if config is not None and config.array_like:
        return tuple(getattr(tp, "__struct_fields__"))  # noqa: B009 (a Struct's, untyped)
    return None


def _listed_decoder(cls: Any) -> Decoder:
    hints = typing.get_type_hints(cls)
    names: dict[str, Any] = {"cls": cls, "bad": _bad_field, "CodecError": CodecError,
                             "inner": _inner_error}
    fields = _listed_fields(cls) or ()
    count = len(fields)
    lines = [f"def decode_{cls.__name__}(d):",
             f"    if d.__class__ is not list or len(d) != {count}:",
             f"        bad({cls.__name__!r}, None, d)",
             f"    {', '.join(f'v{i}' for i in range(count))}, = d"]
    for i, name in enumerate(fields):
        base = hints[name]
        if base in _CHECKED:
            names[f"t{i}"] = base
            lines.append(f"    if v{i}.__class__ is not t{i}:")
            lines.append(f"        bad({cls.__name__!r}, {name!r}, v{i})")
        else:
            dec = decoder(base)
            if dec is not None:
                names[f"d{i}"] = dec
                lines.append("    try:")
                lines.append(f"        v{i} = d{i}(v{i})")
                lines.append("    except CodecError as exc:")
                lines.append(f"        inner({cls.__name__!r}, {name!r}, exc)")
    lines.append(f"    return cls({', '.join(f'v{i}' for i in range(count))})")
    exec("\n".join(lines) + "\n", names)  # generated from the fields
    decode_record: Decoder = names[f"decode_{cls.__name__}"]
    return decode_record


def _bad_field(record: str, name: str | None, value: Any) -> None:
    where = f"a {record} record" + (f", field {name!r}," if name else "")
    if isinstance(value, Exception):
        raise CodecError(f"{where} is not valid: {value}")
    raise CodecError(f"{where} holds {str(value)[:60]!r}")


def _inner_error(record: str, name: str, exc: CodecError) -> None:
    """A nested value of field `name` failed: the message names the field too."""
    raise CodecError(f"a {record} record, field {name!r}: {exc}") from exc


def after_decode(cls: type, fix: Callable[[Any], Any]) -> None:
    """Rebuild what a record derives from its fields (a compiled pattern, say)."""
    _AFTER_DECODE[cls] = fix
    _DECODERS.pop(cls, None)
