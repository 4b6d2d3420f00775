"""Loading a config file: read, parse and validate it in one pass.

`load_config(path)` returns a `Config` or raises `ConfigInvalid` carrying every problem found,
each with file, line, column, key path and reason, so a person fixes them all in one go. Nothing
is opened or written while loading: a refused file changes nothing anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from uptime_tui.config import yamltree
from uptime_tui.config.limits import MAX_FILE_BYTES, MAX_PROBLEMS
from uptime_tui.config.model import Config, ConfigInvalid, Problem
from uptime_tui.config.schema import read_config
from uptime_tui.config.values import Reader, render_path


def find_config_path(explicit: str | None, env=os.environ) -> Path:
    """--config, else $UPTIME_TUI_CONFIG, else ./config.yaml."""
    return Path(explicit or env.get("UPTIME_TUI_CONFIG") or "config.yaml")


def load_config(path: str | os.PathLike, env=os.environ) -> Config:
    """Read and validate a config file; raise ConfigInvalid with every problem found."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigInvalid([Problem(str(path), 0, 0, "", f"cannot read the file: {exc.strerror or exc}")])
    if len(data) > MAX_FILE_BYTES:
        raise ConfigInvalid([Problem(str(path), 0, 0, "", f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB; "
                                                         "this is not a config file")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1  # in bytes: the text is not text
        raise ConfigInvalid([Problem(str(path), line, column, "", f"not UTF-8 text: {exc.reason}")])
    return parse_config(text, str(path), env)


def parse_config(text: str, source: str, env=os.environ) -> Config:
    """Validate YAML text as a config; `source` names it in errors."""
    try:
        return _parse_config(text, source, env)
    except ConfigInvalid:
        raise
    except Exception as exc:  # the last resort: a refused file, never a traceback
        # Every problem should already be a positioned one; reaching this is a bug in the validator,
        # but one that must not end the config watcher or show check-config's user a traceback.
        reason = f"cannot validate this file (unexpected {type(exc).__name__}); please report it"
        raise ConfigInvalid([Problem(source, 1, 1, "", reason)]) from exc


def _parse_config(text: str, source: str, env) -> Config:
    tree = yamltree.parse(text, env)
    reader = Reader(tree)
    for path, mark, message in tree.problems:
        reader.problems.append((mark, path, message))
    config = read_config(reader, tree.value, source) if not tree.problems or tree.value else None
    if reader.problems:
        problems = sorted(
            {(m.line, m.column, render_path(p), msg) for m, p, msg in reader.problems}
        )
        shown = [Problem(source, ln, col, p, msg) for ln, col, p, msg in problems[:MAX_PROBLEMS]]
        if len(problems) > MAX_PROBLEMS:  # the first ones, by position, are the ones to fix first
            ln, col = problems[MAX_PROBLEMS][:2]
            shown.append(Problem(source, ln, col, "", f"{len(problems) - MAX_PROBLEMS:,} more problems from here on"
                                                      " are not shown"))
        raise ConfigInvalid(shown)
    assert config is not None
    return config
