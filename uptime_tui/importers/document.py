"""The document an importer builds, and its YAML with comments.

PyYAML emits no comments, so each entry is dumped alone (`yaml.safe_dump`) and its notes (what
could not be carried over, and why) are written as `#` lines above it. Strings from the source are
literal: every `$` in them is doubled, since our loader reads `${VAR}` and `$$`; only the
references made here (`Ref`: secrets moved out, or a source's own `${VAR}`) are left as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

SECTIONS = ("monitors", "heartbeats", "channels", "maintenance")
_NOT_ID = re.compile(r"[^A-Za-z0-9_.:-]+")
_NOT_VAR = re.compile(r"[^A-Z0-9]+")
_SOURCE_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}")


class ImportFailed(Exception):
    """The file cannot be imported: wrong kind, or a format version we do not know. The message
    names the file and, where known, the line or row."""


class Ref(str):
    """A string written as is: it holds `${VAR}` references that are meant as references."""


@dataclass
class Variable:
    name: str
    why: str  # what it holds and where it came from; never the value
    value: str | None = field(default=None, repr=False)  # the source's value, for tests (never rendered)


@dataclass
class Entry:
    data: dict
    notes: list[str] = field(default_factory=list)
    origin: object = None  # the source's key for it (Kuma's row id), for references between sections


class Document:
    """Entries per section, header notes and the variables the output refers to."""

    def __init__(self, tool: str, source: str):
        self.tool, self.source = tool, source
        self.sections: dict[str, list[Entry]] = {name: [] for name in SECTIONS}
        self.notes: list[str] = []
        self.variables: dict[str, Variable] = {}
        self._ids: set[str] = set()

    def add(self, section: str, data: dict, notes: list[str] | None = None, origin: object = None) -> Entry:
        entry = Entry(data, list(notes or ()), origin)
        self.sections[section].append(entry)
        return entry

    def unique_id(self, name: str, fallback: str) -> str:
        """An id made from `name` (our id characters only), unique in the document: monitors and
        heartbeats share one namespace in our config, channels and windows are kept apart by prefix."""
        base = _NOT_ID.sub("-", name.strip()).strip("-._:")[:120] or fallback
        if not base[0].isalnum():
            base = f"{fallback}-{base}"
        candidate, n = base, 2
        while candidate.lower() in self._ids:
            candidate, n = f"{base}-{n}", n + 1
        self._ids.add(candidate.lower())
        return candidate

    def secret(self, hint: str, value: str | None, why: str) -> Ref:
        """`${NAME}` standing for a secret; NAME made from `hint`, unique in the document."""
        base = _NOT_VAR.sub("_", hint.upper()).strip("_") or "SECRET"
        if base[0].isdigit():
            base = "_" + base
        name, n = base, 2
        while name in self.variables:
            name, n = f"{base}_{n}", n + 1
        self.variables[name] = Variable(name, why, value)
        return Ref("${" + name + "}")

    def source_text(self, value: str, where: str) -> str:
        """A source's string that may hold its own `${VAR}` (Gatus expands them at load, as we do):
        kept as references, and listed; any other `$` made literal."""
        names = _SOURCE_VAR.findall(value)
        if not names:
            return value
        for name in names:
            self.variables.setdefault(name, Variable(name, f"used by {where} in the {self.tool} config"))
        out, last = [], 0  # the text between references escaped, the references kept
        for match in _SOURCE_VAR.finditer(value):
            out.append(_escape(value[last:match.start()]))
            out.append(match.group(0))
            last = match.end()
        out.append(_escape(value[last:]))
        return Ref("".join(out))

    def render(self) -> str:
        lines = [f"# Imported from {self.tool} ({self.source}) by `uptime-tui import`."]
        lines += [f"# {_one_line(note)}" for note in self.notes]
        if self.variables:
            listed = ", ".join(f"{v.name} ({_one_line(v.why)})" for v in self.variables.values())
            lines.append(f"# Set these variables before starting: {listed}")
        for section in SECTIONS:
            entries = self.sections[section]
            if not entries:
                continue
            lines.append("")
            lines.append(f"{section}:")
            for entry in entries:
                lines += [f"  # {_one_line(note)}" for note in entry.notes]
                dumped = yaml.safe_dump([_literal(entry.data)], sort_keys=False, allow_unicode=True, width=100)
                lines += ["  " + line for line in dumped.rstrip("\n").splitlines()]
        return "\n".join(lines) + "\n"


def read_text(path: str, kind: str) -> str:
    """The whole file as text, or ImportFailed saying why not (`kind`: "a Gatus config")."""
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ImportFailed(f"{path}: not {kind} (not UTF-8 text)") from None


def compose(*parts: str) -> Ref:
    """A string of literal parts (escaped) and references (kept), such as an Apprise URL."""
    return Ref("".join(p if isinstance(p, Ref) else _escape(str(p)) for p in parts))


def _escape(text: str) -> str:
    return text.replace("$", "$$")


def _literal(value):
    """Plain types for the dumper, with `$` escaped in every string but a Ref."""
    if isinstance(value, Ref):
        return str(value)
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, dict):
        return {str(k): _literal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_literal(v) for v in value]
    return value


def _one_line(note: str) -> str:
    return " ".join(str(note).split())
