"""The JSON Schema (draft 2020-12) of the YAML config, read off the validator itself, for editors.

`uptime-tui schema` prints it; yaml-language-server (VS Code's YAML extension) completes and
checks a config against it as it is typed. It cannot drift from what `check-config` accepts, as
nobody writes it: `ShapeReader`, a `Reader` that records what it is asked to read, is driven
through the real `read_config` (every section reader, every monitor type's and channel kind's
`read`) over a synthetic document with one monitor per type and one channel per kind. Each
`mapping` call records an object (its keys, the required ones, no others), each `get` the schema
its parser carries (`json_schema`, see `config.values.described`) and each `items` an array.

The synthetic document names only the types and kinds; the rest is found by asking. A key some
reader allows but nothing read (a section left out, a nested mapping such as http's `basic_auth`)
is given `{}`, and a list read with no entry `[{}]`, and the document is read again, until nothing
new turns up. A key still unread is another variant's (`keyword` on a tcp monitor) and is left out
of that variant's subschema. A parser without `json_schema` gives `{}` (anything) and is named by
`undescribed`, which the tests want empty: a new type that forgets one fails a test, not an editor.

The schema checks the file as written, before `${VAR}` is expanded, so a value that is not free
text accepts a string holding `${` too (`_with_env`). It is looser than the validator in places
(ranges of durations written as text, references between sections): the validator decides.

The registries sit above config in the layers, so the caller names the types and kinds
(cli/schema.py passes `checks.registry.TYPES` and `notify.channels.KINDS`).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Iterable

import yaml

from uptime_tui.config import yamltree
from uptime_tui.config.schema import ENTRY_LABELS, read_config
from uptime_tui.config.values import Reader

DIALECT = "https://json-schema.org/draft/2020-12/schema"
TITLE = "uptime-tui configuration"
# Defined once in the schema's $defs, referred to from every value that is not free text.
ENV_REFERENCE = {"type": "string", "pattern": r"\$\{", "description": "${VAR} or ${VAR:-default}, from the environment"}
ROUNDS = 8  # each round finds one more level of nesting; a config is about 6 levels deep
_NOT_FREE_TEXT = {"pattern", "enum", "const", "format", "maxLength"}
_NO_DEFAULT = object()


@dataclass(frozen=True)
class Leaf:
    """What one `get` was given: its parser's schema (None: it has none) and a constant default."""

    schema: dict | None
    doc: str | None
    default: Any = _NO_DEFAULT


class ShapeReader(Reader):
    """A Reader that records the shape of what it is asked to read. It still reads (a monitor's
    `type` must be read for its type's `read` to run); the problems it finds are not used."""

    def __init__(self, tree: yamltree.Tree):
        super().__init__(tree)
        self.objects: dict[tuple, tuple[tuple, tuple]] = {}  # path -> (allowed keys, required keys)
        self.arrays: dict[tuple, dict | None] = {}  # path -> the schema of one entry, when given
        self.leaves: dict[tuple, Leaf] = {}  # path -> what reads the value there

    def mapping(self, value: Any, path: tuple, allowed, required=()) -> dict | None:
        self.objects[path] = (tuple(allowed), tuple(required))
        return super().mapping(value, path, allowed, required)

    def items(self, value: Any, path: tuple, each: dict | None = None) -> list:
        self.arrays[path] = each
        return super().items(value, path, each)

    def get(self, mapping: dict, path: tuple, key: str, parse, default: Any = None) -> Any:
        self.leaves[path + (key,)] = Leaf(getattr(parse, "json_schema", None), parse.__doc__,
                                          _constant(default, mapping))
        return super().get(mapping, path, key, parse, default)

    def known(self, path: tuple) -> bool:
        """Whether something read the value at `path`."""
        return path in self.objects or path in self.arrays or path in self.leaves


def config_schema(monitor_types: Iterable[str], channel_kinds: Iterable[str]) -> dict:
    """The schema of a config with these monitor types and channel kinds."""
    return _generate(tuple(monitor_types), tuple(channel_kinds))[0]


def undescribed(monitor_types: Iterable[str], channel_kinds: Iterable[str]) -> list[str]:
    """The values whose parser carries no `json_schema` ("monitors[ping].count"): `{}` in the schema."""
    return _generate(tuple(monitor_types), tuple(channel_kinds))[1]


def _generate(types: tuple, kinds: tuple) -> tuple[dict, list[str]]:
    # A monitor's variant is its `type`; a channel's, which kind's key it has.
    variants = {("monitors",): [(t, {"properties": {"type": {"const": t}}, "required": ["type"]}) for t in types],
                ("channels",): [(k, {"required": [k]}) for k in kinds]}
    document = {"monitors": [{"id": "x", "type": t} for t in types], "channels": [{"id": "x", k: {}} for k in kinds]}
    reader = _explore(document, reserved={("channels",): set(kinds)})
    builder = _Builder(reader, variants)
    root = builder.node((), "")
    schema = {"$schema": DIALECT, "title": TITLE, **root, "$defs": {"env": ENV_REFERENCE}}
    return copy.deepcopy(schema), builder.undescribed  # the parsers' fragments stay theirs


def _explore(document: dict, reserved: dict) -> ShapeReader:
    """Read the document, give every allowed key nothing read a value, read again, until done.
    `reserved` keys of a list's entries are never given one: they choose the entry's variant."""
    for _ in range(ROUNDS):
        tree = yamltree.parse(yaml.safe_dump(document), env={})
        reader = ShapeReader(tree)
        read_config(reader, tree.value, "<schema>")
        probes = list(_probes(reader, document, reserved))
        if not probes:
            break
        for container, key, value in probes:
            container[key] = value
    return reader


def _probes(reader: ShapeReader, document: dict, reserved: dict):
    for path, (allowed, _) in reader.objects.items():
        entry, skip = _at(document, path), reserved.get(path[:-1], set())
        if isinstance(entry, dict):
            yield from ((entry, key, {}) for key in allowed
                        if key not in entry and key not in skip and not reader.known(path + (key,)))
    for path, each in reader.arrays.items():
        parent = _at(document, path[:-1])
        if each is None and not reader.known(path + (0,)) and isinstance(parent, dict) and not parent.get(path[-1]):
            yield parent, path[-1], [{}]


def _at(document: Any, path: tuple) -> Any:
    for part in path:
        try:
            document = document[part]
        except (KeyError, IndexError, TypeError):
            return None
    return document


def _constant(default: Any, mapping: dict) -> Any:
    """`default` when it is a JSON constant; not when taken from the entry (a name defaults to its id)."""
    if default in (None, "") or any(type(v) is type(default) and v == default for v in mapping.values()):
        return _NO_DEFAULT
    try:  # a tuple is the parsed value, not what the YAML says (listen, accepted_status)
        return default if json.loads(json.dumps(default, allow_nan=False)) == default else _NO_DEFAULT
    except (TypeError, ValueError):
        return _NO_DEFAULT


class _Builder:
    """The recorded shape -> JSON Schema."""

    def __init__(self, reader: ShapeReader, variants: dict):
        self.reader, self.variants = reader, variants
        self.undescribed: list[str] = []

    def node(self, path: tuple, where: str) -> dict:
        if path in self.reader.objects:
            return self.object(path, where)
        if path in self.reader.arrays:
            return self.array(path, where)
        return self.leaf(self.reader.leaves[path], where)

    def object(self, path: tuple, where: str) -> dict:
        allowed, required = self.reader.objects[path]
        properties = {key: self.node(path + (key,), f"{where}.{key}" if where else key)
                      for key in allowed if self.reader.known(path + (key,))}
        schema: dict = {"type": "object", "additionalProperties": False}
        if needed := [key for key in required if key in properties]:
            schema["required"] = needed
        return schema | {"properties": properties}

    def array(self, path: tuple, where: str) -> dict:
        each = self.reader.arrays[path]
        if path in self.variants:
            items = self.union(path, where)
        elif each is not None:
            items = each
        elif self.reader.known(path + (0,)):
            items = self.node(path + (0,), f"{where}[]")
        else:
            self.undescribed.append(f"{where}[]")
            items = {}
        return {"type": "array", "items": items}

    def union(self, path: tuple, where: str) -> dict:
        """One subschema per variant, applied when the entry is that variant (if/then): an error
        then names the keys of the entry's own type, not of every type."""
        cases = [{"if": condition, "then": {"title": f"{name} {ENTRY_LABELS[path[-1]]}",
                                            **self.node(path + (index,), f"{where}[{name}]")}}
                 for index, (name, condition) in enumerate(self.variants[path])]
        return {"type": "object", "anyOf": [case["if"] for case in cases], "allOf": cases}

    def leaf(self, leaf: Leaf, where: str) -> dict:
        if leaf.schema is None:
            self.undescribed.append(where)
            return {}
        schema = dict(leaf.schema)
        description = schema.pop("description", None) or _first_line(leaf.doc)
        schema = ({"description": description} if description else {}) | _with_env(schema)
        if leaf.default is not _NO_DEFAULT:
            schema["default"] = leaf.default
        return schema


def _with_env(schema: dict) -> dict:
    """The one place `${VAR}` is allowed for: a value that is not free text may be written as a
    reference, expanded (and typed: `port: ${PORT}` is a number) before the validator reads it."""
    if _takes_any_text(schema):
        return schema
    branches = schema.pop("anyOf") if list(schema) == ["anyOf"] else [schema]
    return {"anyOf": [*branches, {"$ref": "#/$defs/env"}]}


def _takes_any_text(schema: dict) -> bool:
    if "anyOf" in schema:
        return any(_takes_any_text(branch) for branch in schema["anyOf"])
    return schema.get("type") == "string" and not _NOT_FREE_TEXT & schema.keys()


def _first_line(doc: str | None) -> str | None:
    return doc.strip().splitlines()[0].strip() if doc and doc.strip() else None
