"""YAML text -> plain values, with the line and column of every node.

The config validator needs positions for its errors, which `yaml.safe_load` throws away, so the
text is composed into nodes with the safe loader and walked here. Along the way `${VAR}` and
`${VAR:-default}` are taken from the environment (in values only, after parsing, so a variable
can never inject YAML), and duplicate keys, which YAML would silently let the last one win, are
reported.

This is also where a hostile file is stopped, at the limits in `config.limits` and with the
position where it stopped. Its events are counted before it is composed (composing megabytes of
`[1,1,1,...]` takes seconds and gigabytes). Aliases share nodes, so a few lines can describe
billions of values ("billion laughs") and `&a [*a]` an endless one: the walk counts the values it
builds and how deep it is. Merge keys (`<<: *base`) are expanded here rather than by the loader's
`flatten_mapping`, which copies the merged pairs into every mapping eagerly and so can be bombed
before any counting. Whatever goes wrong while reading a value becomes a problem at its position.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml

from uptime_tui.config.limits import MAX_DEPTH, MAX_NODES

try:  # the C loader is ~10x faster; positions are the same
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _Loader

Path = tuple  # a key path: ("monitors", 2, "interval")

_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class Mark:
    """A 1-based line and column in the source text."""

    line: int
    column: int


@dataclass
class Tree:
    """Plain values plus where each value (and each mapping key) came from."""

    value: Any
    marks: dict = field(default_factory=dict)      # path -> Mark of the value
    key_marks: dict = field(default_factory=dict)  # path -> Mark of the key naming it
    problems: list = field(default_factory=list)   # (path, Mark, message)

    def mark(self, path: Path) -> Mark:
        """Where `path` is, or its nearest ancestor that exists."""
        while path not in self.marks and path:
            path = path[:-1]
        return self.marks.get(path, Mark(1, 1))


def interpolate(text: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    """Replace ${VAR} / ${VAR:-default} (and $$ by $); return the text and the missing names."""
    missing: list[str] = []

    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        if name in env and (env[name] != "" or default is None):
            return env[name]
        if default is not None:
            return default
        missing.append(name)
        return ""

    return _VARIABLE.sub(substitute, text), missing


def parse(text: str, env: Mapping[str, str]) -> Tree:
    """Parse YAML text; every problem (syntax, a value that cannot be read, a document too large
    or too deep) becomes a positioned problem rather than an exception."""
    tree = Tree(value=None)
    loader = None
    try:
        _measure(text)
        loader = _Loader(text)  # the pure-Python loader reads (and refuses a NUL) right here
        node = loader.get_single_node()
    except _Stopped as stop:
        tree.problems.append((stop.path, stop.mark, stop.reason))
        return tree
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1)
        hint = _TAB_HINT if mark and text[mark.index:mark.index + 1] == "\t" else ""
        tree.problems.append(((), where, f"YAML syntax error: {exc.problem or exc}{hint}"))
        return tree
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as NUL
        character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        tree.problems.append(((), mark_at(text, exc.position), f"cannot read character {character}: {exc.reason}"))
        return tree
    except yaml.YAMLError as exc:
        tree.problems.append(((), Mark(1, 1), f"YAML error: {exc}"))
        return tree
    finally:
        if loader is not None:
            loader.dispose()
    if node is not None:
        try:
            _check_expanded_size(node)
            tree.value = _Walker(loader, tree, env).build(node, (), 0)
        except _Stopped as stop:
            tree.problems.append((stop.path, stop.mark, stop.reason))
            tree.value = None
    return tree


_OPENS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSES = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
_NODES = (yaml.ScalarEvent, yaml.AliasEvent) + _OPENS


def _measure(text: str) -> None:
    """Stop a file with too many nodes, or nested too deep, before composing it: composition
    builds every node at once, and going through the events alone is several times cheaper."""
    loader = _Loader(text)
    nodes = depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, _NODES):
                nodes += 1
                if nodes > MAX_NODES:
                    reason = f"the file has more than {MAX_NODES:,} keys and values; stopped here"
                    raise _Stopped((), _mark_of(event), reason)
            if isinstance(event, _OPENS):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _Stopped((), _mark_of(event), f"nested more than {MAX_DEPTH} levels deep; stopped here")
            elif isinstance(event, _CLOSES):
                depth -= 1
    finally:
        loader.dispose()


def _check_expanded_size(root) -> None:
    """Stop a document whose aliases expand past MAX_NODES values ("billion laughs") or into
    themselves (`&a [*a]`) before walking it: an aliased node's size is counted once and reused,
    so this costs as much as the text, not as the expansion."""
    sizes: dict[int, int] = {}
    pending: set[int] = set()

    def size(node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in pending:
            raise _Stopped((), _node_mark(node), "an alias refers to the value that contains it")
        pending.add(key)
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(item) for item in node.value)
        else:
            total = 1
        pending.discard(key)
        if total > MAX_NODES:
            raise _Stopped((), _node_mark(node), f"the document has more than {MAX_NODES:,} values once "
                                                 "its aliases are expanded; stopped here")
        sizes[key] = total
        return total

    depth_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(depth_limit, 4 * MAX_DEPTH + 100))  # nesting is capped by _measure
    try:
        size(root)
    finally:
        sys.setrecursionlimit(depth_limit)


def _node_mark(node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _mark_of(event) -> Mark:
    return Mark(event.start_mark.line + 1, event.start_mark.column + 1)


def mark_at(text: str, index: int) -> Mark:
    """The line and column of a character offset in `text`."""
    index = max(0, min(index, len(text)))
    line_start = text.rfind("\n", 0, index) + 1
    return Mark(text.count("\n", 0, index) + 1, index - line_start + 1)


_TAB_HINT = " (a tab: YAML indents with spaces only)"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Stopped(Exception):
    """Reading gave up on the whole document (too many values, too deep)."""

    def __init__(self, path: Path, mark: Mark, reason: str):
        super().__init__(reason)
        self.path, self.mark, self.reason = path[:8], mark, reason  # a recursive alias's path is endless


class _Walker:
    def __init__(self, loader, tree: Tree, env: Mapping[str, str]):
        self.loader, self.tree, self.env = loader, tree, env
        self.values = 0
        self._marks: dict = {}  # node -> Mark: an aliased node is walked many times, marked once

    def _mark(self, node) -> Mark:
        mark = self._marks.get(node)
        if mark is None:
            mark = self._marks[node] = Mark(node.start_mark.line + 1, node.start_mark.column + 1)
        return mark

    def _enter(self, node, path: Path, depth: int) -> Mark:
        """Count one more value walked; stop the walk past the limits."""
        mark = self._mark(node)
        self.values += 1
        if self.values > MAX_NODES:
            raise _Stopped(path, mark, f"the document has more than {MAX_NODES:,} values once its aliases "
                                       "are expanded; stopped here")
        if depth > MAX_DEPTH:
            raise _Stopped(path, mark, f"nested more than {MAX_DEPTH} levels deep (an alias that refers "
                                       "to itself?); stopped here")
        return mark

    def build(self, node, path: Path, depth: int) -> Any:
        mark = self._enter(node, path, depth)
        self.tree.marks[path] = mark
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node, path, mark)

    def _mapping(self, node, path: Path, depth: int) -> dict:
        result: dict = {}
        pairs = []
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _MERGE_TAG:
                self._merge(key_node, value_node, path, depth, result)
            else:
                pairs.append((key_node, value_node))
        given: dict = {}  # key -> Mark: keys written here win over merged ones, silently
        for key_node, value_node in pairs:
            key_mark = self._mark(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                self.tree.problems.append((path, key_mark, "a key must be plain text"))
                continue
            key = key_node.value
            if key in given:
                self.tree.problems.append(
                    (path + (key,), key_mark, f"duplicate key '{key}' (first given at line {given[key].line})")
                )
                continue
            given[key] = self.tree.key_marks[path + (key,)] = key_mark
            result[key] = self.build(value_node, path + (key,), depth + 1)
        return result

    def _merge(self, key_node, value_node, path: Path, depth: int, result: dict) -> None:
        """`<<: *base` or `<<: [*a, *b]`: the first mapping named wins, as YAML defines it."""
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in reversed(sources):
            if not isinstance(source, yaml.MappingNode):
                self.tree.problems.append((path, self._mark(key_node), "'<<' merges a mapping or a list of mappings"))
                continue
            self._enter(source, path, depth + 1)  # a merge walks its source again, as an alias does
            result.update(self._mapping(source, path, depth + 1))

    def _scalar(self, node, path: Path, mark: Mark) -> Any:
        plain = not node.style  # the C loader says '' where the pure one says None
        if "$" in node.value and (plain or node.tag == "tag:yaml.org,2002:str"):
            text, missing = interpolate(node.value, self.env)
            for name in missing:
                self.tree.problems.append(
                    (path, mark, f"environment variable {name} is not set (write ${{{name}:-default}} for a default)")
                )
            # A plain scalar is typed after substitution, so `port: ${PORT:-8080}` is a number.
            tag = self.loader.resolve(yaml.ScalarNode, text, (True, False)) if plain else node.tag
            node = yaml.ScalarNode(tag, text, node.start_mark, node.end_mark, style=node.style)
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.tree.problems.append((path, mark, f"cannot read this value: {getattr(exc, 'problem', exc)}"))
        except Exception as exc:  # a date such as 2026-13-45 (ValueError), an integer past
            # Python's 4,300-digit limit (ValueError), ...: the constructors raise more than YAMLError.
            self.tree.problems.append((path, mark, f"cannot read this value: {_reason(exc)}"))
        return None


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        return "a number with more than 4,300 digits"
    return str(exc) or type(exc).__name__
