"""`-o FILE` for the commands that print a document (schema, import): all of it or nothing."""

from __future__ import annotations

import os
import sys
import tempfile

from uptime_tui.cli.exits import EXIT_FAILURE, EXIT_OK


def write_output(command: str, path: str | None, text: str, what: str) -> int:
    """Print `text`, or write it to `path` through a temporary file renamed over it, so a failed
    write leaves no half file and the old one as it was; says on stderr what was written."""
    if not path:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        _replace(path, text)
    except OSError as exc:
        print(f"uptime-tui {command}: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"wrote {what} to {path}", file=sys.stderr)
    return EXIT_OK


def _replace(path: str, text: str) -> None:
    fd, temporary = tempfile.mkstemp(prefix=".uptime-tui-", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
