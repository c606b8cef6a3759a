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
import random
import types
import typing
from collections.abc import Callable
from typing import Any, Union

Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]

# Fields that are not state: caches, live links between objects, callables. Rebuilt on load.
SKIPPED_FIELDS = frozenset({
    "file_cache", "pending_event", "desk", "inbox", "scheduler", "clock", "backoff", "_regex",
})


class CodecError(ValueError):
    """Data that does not decode into the record it claims to be."""


class DocumentPool:
    """Files by SHA-256: `put` when dumping, `get` when loading."""

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self.files: dict[str, bytes] = files if files is not None else {}
        self.added: dict[str, bytes] = {}  # put since the last `take_added`
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

    def get(self, digest: Any) -> bytes:
        if not isinstance(digest, str) or digest not in self.files:
            raise CodecError(f"a record refers to a missing document {digest!r}")
        return self.files[digest]

    def take_added(self) -> dict[str, bytes]:
        added, self.added = self.added, {}
        return added


_pool: DocumentPool | None = None  # the pool of the dump or load in progress (one thread)


def use_pool(pool: DocumentPool | None) -> None:
    global _pool
    _pool = pool


def _pool_now() -> DocumentPool:
    if _pool is None:
        raise CodecError("no document pool")
    return _pool


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
    localns: dict[str, Any] = {}
    try:
        return typing.get_type_hints(cls, vars(module), localns)
    except NameError:
        # TYPE_CHECKING-only names belong to skipped fields: resolve field by field.
        hints: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in SKIPPED_FIELDS:
                continue
            hints[f.name] = eval(f.type, vars(module)) if isinstance(f.type, str) else f.type
        return hints


def _fields(cls: type) -> list[tuple[str, Any, bool]]:
    hints = _hints(cls)
    return [(f.name, hints[f.name], f.init) for f in dataclasses.fields(cls)
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
        if all(a in (int, float) for a in inner):
            return None
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
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        plan = [(name, encoder(hint)) for name, hint, _ in _fields(tp)]

        def encode_dataclass(v: Any) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for name, enc in plan:
                value = getattr(v, name)
                out[name] = value if enc is None or value is None else enc(value)
            return out

        return encode_dataclass
    if isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields"):
        hints = typing.get_type_hints(tp)
        encs = [encoder(hints[name]) for name in tp._fields]

        def encode_namedtuple(v: Any) -> list[Any]:
            return [x if e is None else e(x) for e, x in zip(encs, v, strict=True)]

        return encode_namedtuple
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
            _check(isinstance(data, int | float) and not isinstance(data, bool), "a number", data)
            return float(data)
        return to_float
    if tp is bytes:
        return lambda d: _pool_now().get(d)
    if tp is random.Random:
        def to_random(data: Any) -> random.Random:
            rng = random.Random()
            try:
                rng.setstate(_data_to_state(data))
            except (TypeError, ValueError) as exc:
                raise CodecError(f"a random generator state is not valid: {exc}") from exc
            return rng
        return to_random
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        def to_enum(data: Any) -> Any:
            try:
                return tp(data)
            except ValueError as exc:
                raise CodecError(f"{data!r} is not a {tp.__name__}") from exc
        return to_enum
    if _is_union(tp):
        inner = [a for a in _args(tp) if a is not type(None)]
        if len(inner) == 1:
            dec = decoder(inner[0])
            return lambda d: None if d is None else (d if dec is None else dec(d))
        def number_or_none(data: Any) -> Any:
            _check(data is None or isinstance(data, int | float), "a number", data)
            return data
        return number_or_none
    origin = typing.get_origin(tp)
    if origin in (list, tuple, set, frozenset):
        args = [a for a in _args(tp) if a is not Ellipsis]
        item = decoder(args[0]) if args else None
        make: Callable[[Any], Any] = {list: list, tuple: tuple, set: set,
                                      frozenset: frozenset}[origin]

        def to_collection(data: Any) -> Any:
            _check(isinstance(data, list), "a list", data)
            return make(data if item is None else (item(x) for x in data))

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
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        plan = [(name, decoder(hint), init) for name, hint, init in _fields(tp)]
        cls: type = tp
        # Skipped fields the constructor requires (a callable, say): set after loading.
        placeholders = {f.name: None for f in dataclasses.fields(tp)
                        if f.name in SKIPPED_FIELDS and f.init
                        and f.default is dataclasses.MISSING
                        and f.default_factory is dataclasses.MISSING}

        def to_dataclass(data: Any) -> Any:
            _check(isinstance(data, dict), f"a {cls.__name__} record", data)
            kwargs: dict[str, Any] = dict(placeholders)
            later: dict[str, Any] = {}
            for name, dec, init in plan:
                if name not in data:
                    raise CodecError(f"a {cls.__name__} record has no {name!r}")
                value = data[name]
                if dec is not None and value is not None:
                    value = dec(value)
                (kwargs if init else later)[name] = value
            try:
                obj = cls(**kwargs)
            except (TypeError, ValueError) as exc:
                raise CodecError(f"a {cls.__name__} record is not valid: {exc}") from exc
            for name, value in later.items():
                object.__setattr__(obj, name, value)
            fix = _AFTER_DECODE.get(cls)
            return fix(obj) if fix is not None else obj

        return to_dataclass
    if isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields"):
        hints = typing.get_type_hints(tp)
        decs = [decoder(hints[name]) for name in tp._fields]
        nt: Any = tp

        def to_namedtuple(data: Any) -> Any:
            _check(isinstance(data, list) and len(data) == len(decs), nt.__name__, data)
            return nt(*(x if d is None else d(x) for d, x in zip(decs, data, strict=True)))

        return to_namedtuple
    raise TypeError(f"cannot load {tp}")


_AFTER_DECODE: dict[type, Callable[[Any], Any]] = {}


def after_decode(cls: type, fix: Callable[[Any], Any]) -> None:
    """Rebuild what a record derives from its fields (a compiled pattern, say)."""
    _AFTER_DECODE[cls] = fix
    _DECODERS.pop(cls, None)
