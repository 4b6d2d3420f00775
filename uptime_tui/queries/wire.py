"""The read layer's dataclasses as JSON and back, so a console attached over HTTP reads exactly
what an embedded one reads: the API serves `to_wire(query(...))`, the console `from_wire(Type, json)`.

Datetimes travel as ISO 8601 strings (always with their offset), tuples and named tuples as lists,
dataclasses as objects of their fields; the type hints of the target say how to read them back.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar, Union

T = TypeVar("T")


def to_wire(value: Any) -> Any:
    """A JSON-ready form of a query's result."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_wire(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_wire(item) for item in value]
    if isinstance(value, dict):
        return {str(k): to_wire(v) for k, v in value.items()}
    return value


def from_wire(hint: Any, data: Any) -> Any:
    """`data` read back as `hint` (a dataclass, list[...], dict[int, ...], datetime, X | None ...)."""
    if data is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType):
        real = [a for a in args if a is not type(None)]
        return from_wire(real[0], data) if len(real) == 1 else data
    if hint is datetime:
        return datetime.fromisoformat(data)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        return hint(**{name: from_wire(hints[name], data[name]) for name in hints if name in data})
    if isinstance(hint, type) and issubclass(hint, tuple) and hasattr(hint, "_fields"):  # a NamedTuple
        hints = _hints(hint)
        return hint(*(from_wire(hints[name], item) for name, item in zip(hint._fields, data)))
    if origin is list:
        return [from_wire(args[0], item) for item in data] if args else list(data)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_wire(args[0], item) for item in data)
        return tuple(from_wire(a, item) for a, item in zip(args, data)) if args else tuple(data)
    if origin is dict:
        key, item = args or (str, Any)
        return {from_wire(key, k): from_wire(item, v) for k, v in data.items()}
    if hint in (int, float) and isinstance(data, str):  # dict keys arrive as strings
        return hint(data)
    return data


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    names = [f.name for f in dataclasses.fields(cls)] if dataclasses.is_dataclass(cls) else list(cls._fields)
    hints = typing.get_type_hints(cls)
    return {name: hints[name] for name in names}
