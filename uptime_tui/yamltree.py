"""YAML text -> plain values, with the line and column of every node.

The config validator needs positions for its errors, which `yaml.safe_load` throws away, so the
text is composed into nodes with the safe loader and walked here. Along the way `${VAR}` and
`${VAR:-default}` are taken from the environment (in values only, after parsing, so a variable
can never inject YAML), and duplicate keys, which YAML would silently let the last one win, are
reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml

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
    """Parse YAML text; syntax errors become one problem rather than an exception."""
    tree = Tree(value=None)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1)
        tree.problems.append(((), where, f"YAML syntax error: {exc.problem or exc}"))
        return tree
    except yaml.YAMLError as exc:
        tree.problems.append(((), Mark(1, 1), f"YAML error: {exc}"))
        return tree
    finally:
        loader.dispose()
    if node is not None:
        tree.value = _Walker(loader, tree, env).build(node, ())
    return tree


class _Walker:
    def __init__(self, loader, tree: Tree, env: Mapping[str, str]):
        self.loader, self.tree, self.env = loader, tree, env

    def build(self, node, path: Path) -> Any:
        mark = Mark(node.start_mark.line + 1, node.start_mark.column + 1)
        self.tree.marks[path] = mark
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        return self._scalar(node, path, mark)

    def _mapping(self, node, path: Path) -> dict:
        try:
            self.loader.flatten_mapping(node)  # resolves `<<: *anchor` merge keys
        except yaml.MarkedYAMLError as exc:
            self.tree.problems.append((path, self.tree.marks[path], str(exc.problem)))
        result: dict = {}
        for key_node, value_node in node.value:
            key_mark = Mark(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if not isinstance(key_node, yaml.ScalarNode):
                self.tree.problems.append((path, key_mark, "a key must be plain text"))
                continue
            key = key_node.value
            if key in result:
                first = self.tree.key_marks[path + (key,)]
                self.tree.problems.append(
                    (path + (key,), key_mark, f"duplicate key '{key}' (first given at line {first.line})")
                )
                continue
            self.tree.key_marks[path + (key,)] = key_mark
            result[key] = self.build(value_node, path + (key,))
        return result

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
            return None
