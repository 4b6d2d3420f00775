"""The command line: the console (default) and the subcommands around it."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from uptime_tui import __version__
from uptime_tui.cli import audit as cli_audit
from uptime_tui.cli import schema as cli_schema
from uptime_tui.cli.exits import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from uptime_tui.config import Config, ConfigInvalid, find_config_path, load_config

LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"
# Libraries that log per request or per query (httpx: a line per check). They log at WARNING and
# above unless --verbose, so `serve` logs one line per state change, as the README says.
LIBRARY_LOGGERS = ("aiohttp", "apprise", "asyncio", "httpcore", "httpx", "httpx_aiohttp", "peewee",
                   "urllib3", "watchfiles")


def _common_options(parser: argparse.ArgumentParser, top_level: bool) -> None:
    # The same options are accepted before and after the subcommand; on the subcommand they are
    # SUPPRESSed so an absent one does not overwrite a value given before it.
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--config", metavar="PATH", default=default,
        help="the YAML config (default: $UPTIME_TUI_CONFIG, then ./config.yaml)",
    )
    parser.add_argument(
        "--db", metavar="URL", default=default,
        help="database URL or SQLite file path (default: $UPTIME_TUI_DB, then settings.database, "
        "then uptime.db in the user's data directory)",
    )
    parser.add_argument(
        "--as", dest="operator", metavar="NAME", default=default,
        help="who is acting, for the audit log (default: settings.operator, then the login name)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with a --help for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="uptime-tui",
        description="Uptime monitoring console for on-call engineers. Without a subcommand, starts the console.",
    )
    parser.add_argument("--version", action="version", version=f"uptime-tui {__version__}")
    _common_options(parser, top_level=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    console = commands.add_parser("console", help="start the console (the default)",
                                  description="Start the terminal console and the engine behind it.")
    _common_options(console, top_level=False)
    for p in (parser, console):
        p.add_argument("--demo", action="store_true", default=False if p is parser else argparse.SUPPRESS,
                       help="also start local demo targets on 127.0.0.1 (see config.example.yaml)")
        p.add_argument("--connect", metavar="URL", default=None if p is parser else argparse.SUPPRESS,
                       help="attach to the engine behind this listener (e.g. http://host:8787) "
                       "instead of the local database; needs --key")
        p.add_argument("--key", metavar="KEY", default=None if p is parser else argparse.SUPPRESS,
                       help="the API key to present with --connect (a read key gives a read-only console)")

    serve = commands.add_parser(
        "serve", help="run the engine and the HTTP listener without the console",
        description="Run checks, heartbeats and the HTTP listener headless (for a server or a "
        "systemd unit); log one line per state change. The config is reloaded when the file "
        "changes and on SIGHUP; SIGTERM or Ctrl-C stops.",
    )
    _common_options(serve, top_level=False)
    for p in (parser, console, serve):
        p.add_argument("--verbose", action="store_true", default=False if p is parser else argparse.SUPPRESS,
                       help="also log what the libraries log at INFO (httpx: one line per check)")

    check = commands.add_parser(
        "check-config", help="validate a config file and summarise it",
        description="Validate a config file: print counts per kind (exit 0) or every problem with "
        "its line and column (exit 2). Nothing is opened or written.",
    )
    check.add_argument("path", nargs="?", metavar="PATH", help="the file to check (default: --config)")
    _common_options(check, top_level=False)
    from uptime_tui.cli import heartbeats as cli_heartbeats
    from uptime_tui.cli import importing as cli_importing
    from uptime_tui.cli import notify as cli_notify

    cli_notify.add_parser(commands, _common_options)
    cli_audit.add_parser(commands, _common_options)
    cli_heartbeats.add_parser(commands, _common_options)
    cli_schema.add_parser(commands)
    cli_importing.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `uptime-tui` script."""
    try:
        return _run(build_parser().parse_args(argv))
    except BrokenPipeError:  # `uptime-tui audit list | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE


def _run(args) -> int:
    command = args.command or "console"
    if command == "check-config":
        return check_config(args.path or str(find_config_path(args.config)))
    if command == "console":
        return run_console(args)
    if command == "serve":
        return run_serve(args)
    if command == "audit":
        return cli_audit.run(args, open_store)
    if command == "schema":
        return cli_schema.run(args)
    if command == "import":
        from uptime_tui.cli import importing as cli_importing

        return cli_importing.run(args)
    if command == "notify":
        from uptime_tui.cli import notify as cli_notify

        return cli_notify.run(args, open_store)
    if command == "heartbeats":
        from uptime_tui.cli import heartbeats as cli_heartbeats

        return cli_heartbeats.run(args, open_store)
    raise AssertionError(command)  # argparse rejects unknown commands before this


def check_config(path: str) -> int:
    """Print a summary of a valid config or all its problems."""
    try:
        config = load_config(path)
    except ConfigInvalid as exc:
        _print_problems(exc)
        return EXIT_USAGE
    counts = ", ".join(f"{kind}: {n}" for kind, n in config.summary().items())
    print(f"{path}: valid: {counts}")
    return EXIT_OK


def _print_problems(exc: ConfigInvalid) -> None:
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    count = len(exc.problems)
    print(f"{count} problem{'s' if count != 1 else ''}; the configuration was not applied.", file=sys.stderr)


def load_or_report(args) -> Config | None:
    """Load the config named by the arguments, printing its problems when it is refused."""
    try:
        return load_config(find_config_path(args.config))
    except ConfigInvalid as exc:
        _print_problems(exc)
        return None


def operator_name(args, config: Config) -> str:
    """--as, then settings.operator, then the login name."""
    if args.operator:
        return args.operator
    if config.settings.operator:
        return config.settings.operator
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in a bare container
        return os.environ.get("USER", "unknown")


def open_store(args):
    """Load the config and open (and migrate) its database: (config, database), or an exit code
    after printing why not. The engine syncs the YAML into the database itself, so that it
    records what it created and destroyed."""
    from uptime_tui.runtime.store import StoreUnavailable, open_store as open_database

    config = load_or_report(args)
    if config is None:
        return EXIT_USAGE
    try:
        return config, open_database(args.db, config.settings.database)
    except StoreUnavailable as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAILURE


def run_console(args) -> int:
    """Start the console: attached to the engine that holds the lease, or with one of its own
    (cli/attach.py); with --connect, attached to the engine behind a listener elsewhere."""
    if getattr(args, "connect", None) or getattr(args, "key", None):
        return run_connected_console(args)
    opened = open_store(args)
    if isinstance(opened, int):
        return opened
    config, database = opened
    from uptime_tui.api.listener import Listener
    from uptime_tui.runtime.assembly import Runtime, RuntimeOptions
    from uptime_tui.runtime.engine_thread import EngineThread
    from uptime_tui.tui.app import build_app

    from uptime_tui.cli.attach import ConsoleEngine

    _log_to_file(args.verbose)  # the terminal belongs to the console
    options = RuntimeOptions(watch=config.source, demo=args.demo)
    engine = ConsoleEngine(config, lambda: EngineThread(lambda: Runtime(config, database, options, listener=Listener)))
    build_app(config, operator=operator_name(args, config), engine=engine).run()
    database.close()
    return EXIT_OK


def run_connected_console(args) -> int:
    """`--connect URL --key KEY`: a console on another machine. A wrong URL or key is said in one
    line before the UI starts (exit 2)."""
    from uptime_tui.cli.attach import check_connection
    from uptime_tui.tui.attached import AttachedEngine, AttachFailed, EngineAddress
    from uptime_tui.tui.app import build_app
    from uptime_tui.tui.reads import HttpReads

    if not args.connect or not args.key:
        print("--connect and --key go together: the listener's URL and an API key", file=sys.stderr)
        return EXIT_USAGE
    address = EngineAddress(args.connect.rstrip("/"), args.key, console=False)
    try:
        check_connection(address)
    except AttachFailed as exc:
        print(f"cannot connect: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _log_to_file(args.verbose)
    reads = HttpReads(address.url, address.credential)  # no database here: the panes read over the API
    build_app(None, operator=args.operator or "api key", engine=AttachedEngine(address), reads=reads).run()
    return EXIT_OK


def run_serve(args) -> int:
    """Run the engine headless until SIGTERM or Ctrl-C."""
    import asyncio
    import logging

    import signal

    # A stop asked for while the config and database are opened ends the start-up cleanly
    # (the default action killed the process with -15); the event loop takes over from here.
    early_stop: list[int] = []
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda number, frame: early_stop.append(number))
    opened = open_store(args)
    if isinstance(opened, int):
        return opened
    config, database = opened
    configure_logging(logging.StreamHandler(), verbose=args.verbose)
    if early_stop:
        logging.getLogger("uptime_tui").info("stopped before the engine started")
        database.close()
        return EXIT_OK
    from uptime_tui.api.listener import Listener
    from uptime_tui.runtime.serve import serve

    try:
        asyncio.run(serve(config, database, str(find_config_path(args.config)), early_stop, Listener))
    except OSError as exc:  # e.g. the listen address is taken
        print(f"cannot serve: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        database.close()
    return EXIT_OK


def configure_logging(handler, *, verbose: bool = False) -> None:
    """Log at INFO through `handler`, libraries at WARNING unless `verbose`, with the credentials
    of any URL in a line masked (a library quoting a monitor URL must not leak its token)."""
    import logging

    from uptime_tui.redaction import redact_text
    from uptime_tui.notify.redact import RedactingFilter

    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactingFilter(redact_text))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)


def _log_to_file(verbose: bool) -> None:
    """Send log lines to uptime-tui.log in the user's log directory."""
    import logging
    from pathlib import Path

    from platformdirs import user_log_dir

    directory = Path(user_log_dir("uptime-tui", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    configure_logging(logging.FileHandler(directory / "uptime-tui.log"), verbose=verbose)
