"""`uptime-tui import TOOL FILE [-o OUT]`: another tool's config as our YAML.

The YAML goes to standard output, or to OUT all at once (cli.output), so a refused input (wrong
kind of file, newer format) leaves OUT as it was. The variables the output refers to are listed in its header and on stderr.
"""

from __future__ import annotations

import sys

from uptime_tui.cli.exits import EXIT_OK, EXIT_USAGE
from uptime_tui.cli.output import write_output


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
    status = write_output("import", args.output, document.render(), "the imported config")
    if status != EXIT_OK:
        return status
    if document.variables:
        print(f"set these variables before starting: {', '.join(document.variables)} (see the header)",
              file=sys.stderr)
    return EXIT_OK

