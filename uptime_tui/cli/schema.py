"""`uptime-tui schema`: the JSON Schema of the YAML config, for editors.

With `# yaml-language-server: $schema=<path or URL of the schema>` as a config's first line, VS
Code's YAML extension (yaml-language-server) completes keys and values and marks mistakes as the
file is typed. The schema is generated from the validator (config/json_schema.py), with every
registered monitor type and channel kind; `docs/config.schema.json` is a copy kept in step by a test.
"""

from __future__ import annotations

import json

from uptime_tui.cli.output import write_output


def add_parser(commands) -> None:
    """Register `schema` on the CLI's subcommands."""
    parser = commands.add_parser(
        "schema", help="print the JSON Schema of the config file, for editors",
        description="Print the JSON Schema (draft 2020-12) of the YAML config, generated from the "
        "validator itself. With '# yaml-language-server: $schema=PATH' as the first line of a config, "
        "VS Code's YAML extension completes and checks it as it is typed.")
    parser.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead of standard output")


def config_schema() -> dict:
    """The schema of the config with every registered monitor type and channel kind."""
    from uptime_tui.checks.registry import TYPES
    from uptime_tui.config.json_schema import config_schema as schema_of
    from uptime_tui.notify.channels import KINDS

    return schema_of(TYPES, KINDS)


def rendered() -> str:
    """The schema as the command prints it (and as docs/config.schema.json holds it)."""
    return json.dumps(config_schema(), indent=2, ensure_ascii=False) + "\n"


def run(args) -> int:
    """Print the schema, or write it to --output."""
    return write_output("schema", args.output, rendered(), "the config schema")
