"""`uptime-tui import TOOL FILE [-o OUT]`: another tool's config as our YAML.

The YAML goes to standard output, or to OUT through a temporary file in OUT's folder renamed over
it only once the whole document is written, so a refused input (wrong kind of file, newer format)
leaves OUT as it was. The variables the output refers to are listed in its header and on stderr.
"""

from __future__ import annotations

import os
import sys
import tempfile

from uptime_tui.cli.exits import EXIT_FAILURE, EXIT_OK, EXIT_USAGE


def add_parser(commands) -> None:
    """Register `import` on the CLI's subcommands."""
    from uptime_tui.importers import TOOLS

    parser = commands.add_parser(
        "import", help="convert a Gatus, Uptime Kuma or Healthchecks setup to our YAML",
        description="Convert another tool's setup to our YAML: a Gatus config.yaml, an Uptime Kuma "
        "kuma.db (SQLite, read-only) or the JSON of Healthchecks' GET /api/v3/checks/. Settings that "
        "cannot be carried over are commented; secrets become ${VAR} references, listed in the header.")
    parser.add_argument("tool", choices=sorted(TOOLS), help="the tool the file comes from")
    parser.add_argument("path", metavar="FILE", help="its config, database or JSON export")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the YAML to FILE instead of standard output")


def run(args) -> int:
    from uptime_tui.importers import ImportFailed, import_file

    try:
        document = import_file(args.tool, args.path)
    except ImportFailed as exc:
        print(f"uptime-tui import: {exc}; nothing was written", file=sys.stderr)
        return EXIT_USAGE
    text = document.render()
    if args.output:
        try:
            _replace(args.output, text)
        except OSError as exc:
            print(f"uptime-tui import: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_FAILURE
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if document.variables:
        print(f"set these variables before starting: {', '.join(document.variables)} (see the header)",
              file=sys.stderr)
    return EXIT_OK


def _replace(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".import-", suffix=".yaml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
