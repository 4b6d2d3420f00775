"""Importers: another tool's configuration or database turned into our YAML.

Each importer reads one kind of file (Gatus' config, Uptime Kuma's SQLite database, the JSON of
Healthchecks' `GET /api/v3/checks/`) into a `document.Document`, which renders the YAML with a
comment on every setting that could not be carried over and with secrets as `${VAR}`.
A file of the wrong kind, or of a format version we do not know, raises `ImportFailed` naming
the file and where in it; the CLI then writes nothing.
"""

from __future__ import annotations

from uptime_tui.importers.document import Document, ImportFailed

# The importer of each tool, by the name given on the command line (imported when used).
TOOLS = {
    "gatus": "uptime_tui.importers.gatus",
    "uptime-kuma": "uptime_tui.importers.kuma",
    "healthchecks": "uptime_tui.importers.healthchecks",
}


def import_file(tool: str, path: str) -> Document:
    """The document imported from `path` by the importer of `tool`; ImportFailed if it cannot be."""
    from importlib import import_module

    return import_module(TOOLS[tool]).read(path)


__all__ = ["Document", "ImportFailed", "TOOLS", "import_file"]
