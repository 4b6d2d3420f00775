"""What postgres, mysql and redis monitors share: their URL, their spec, and causes with the
password masked.

A database URL is read with urllib.parse (`postgresql://user:pass@host:5432/db`), so a bad scheme,
host or port is refused at load with its line and column. The spec keeps the URL as written (the
driver gets it whole: `?sslmode=require` and `rediss://` work as the driver documents them) and
shows itself without credentials: `pg db.internal:5432/orders`.

A driver's error may quote the password or the DSN, and the monitor's target (which `run_check`
masks causes by) carries neither, so a database probe turns its own errors into causes through
`failing`, which masks the password before the cause leaves the probe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote, urlsplit

from uptime_tui.config.urls import host_problem
from uptime_tui.config.values import Reader, described, shown, text
from uptime_tui.redaction import MASK, MIN_SECRET, redact_text

if TYPE_CHECKING:
    from uptime_tui.checks.observation import Observation


@dataclass(frozen=True)
class DatabaseUrl:
    """A database URL's parts, as a driver wants them."""

    scheme: str
    host: str
    port: int
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None  # redis: the database number, as text

    @property
    def address(self) -> str:
        """`db.internal:5432/orders`: where the database is, without credentials."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}/{self.database}" if self.database else f"{host}:{self.port}"

    def mask(self, cause: str) -> str:
        """`cause` with the password masked wherever it appears, and any URL's credentials."""
        if self.password and len(self.password) >= MIN_SECRET:
            cause = cause.replace(self.password, MASK)
        return redact_text(cause) or cause


def parse_database_url(url: str, schemes: tuple[str, ...], default_port: int, options: bool = True) -> DatabaseUrl:
    """`postgresql://u:p@host/db` -> DatabaseUrl, or ValueError saying what to write instead.
    Without `options` (a driver given the parts, not the URL), `?...` is refused, not ignored."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # a port that is not a number, or out of range; a broken [IPv6]
        raise ValueError(f"cannot read {shown(_without_password(url))} as a URL: {exc}") from None
    if parts.scheme.lower() not in schemes:
        expected = " or ".join(f"{s}://" for s in schemes)
        raise ValueError(f"expected a {expected} URL, got {shown(_without_password(url))}")
    if not parts.hostname:
        raise ValueError(f"the URL names no host: {schemes[0]}://user:password@host:{default_port}/...")
    if reason := host_problem(parts.hostname):
        raise ValueError(f"the host {shown(parts.hostname)} of the URL is not valid: {reason}")
    if (parts.query or parts.fragment) and not options:
        raise ValueError(f"{schemes[0]}:// URLs take no options after '?' here")
    database = unquote(parts.path.lstrip("/")) or None
    return DatabaseUrl(parts.scheme.lower(), parts.hostname, port or default_port,
                       unquote(parts.username) if parts.username else None,
                       unquote(parts.password) if parts.password is not None else None, database)


def _without_password(url: str) -> str:
    """The URL as a refusal may echo it: a config error is shown, and may be pasted."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    return f"{scheme}{sep}{MASK}@{host}" if sep and at and userinfo else url


@lru_cache(maxsize=16)
def database_url(schemes: tuple[str, ...], default_port: int, options: bool = True) -> Callable[[Any], str]:
    """A URL with one of `schemes`, as written (the driver reads it whole)."""
    pattern = "^(?:" + "|".join(schemes) + ")://"
    example = f"{schemes[0]}://user:password@host:{default_port}/..."

    @described({"type": "string", "pattern": pattern, "patternErrorMessage": f"a URL such as {example}",
                "description": f"A {' or '.join(schemes)} URL such as {example}"})
    def parse(value: Any) -> str:
        url = text(value).strip()
        parse_database_url(url, schemes, default_port, options)
        return url

    return parse


@dataclass(frozen=True)
class DatabaseSpec:
    """A database monitor's URL and query; each type's subclass says its schemes and how it is shown."""

    url: str | None  # None only in a config refused for it
    query: str | None = None

    SCHEMES: ClassVar[tuple[str, ...]] = ()
    DEFAULT_PORT: ClassVar[int] = 0
    SHORT_NAME: ClassVar[str] = ""  # the target's first word: `pg db.internal:5432/orders`
    PAYLOAD_TYPE: ClassVar[str] = ""
    OPTIONS: ClassVar[bool] = True  # whether the driver reads `?options` from the URL

    @classmethod
    def url_parser(cls) -> Callable[[Any], str]:
        """How `url` is read: a type with more to check about its URL wraps this."""
        return database_url(cls.SCHEMES, cls.DEFAULT_PORT, cls.OPTIONS)

    @cached_property  # read once, not at every check and every look at the target
    def where(self) -> DatabaseUrl:
        return parse_database_url(self.url or "", self.SCHEMES, self.DEFAULT_PORT, self.OPTIONS)

    @property
    def target(self) -> str:
        try:
            return f"{self.SHORT_NAME} {self.where.address}"
        except ValueError:  # only in a config refused for its URL
            return self.SHORT_NAME

    @property
    def payload_type(self) -> str:
        return self.PAYLOAD_TYPE


def reader(spec_class: type[DatabaseSpec], type_name: str, query: Callable[[Any], str] = text):
    """The `read` of a database type: `url` required, `query` (read by `query`) defaulting to
    the spec's own."""

    def read(r: Reader, m: dict, path: tuple) -> DatabaseSpec:
        url = r.get(m, path, "url", spec_class.url_parser())
        if url is None and "url" not in m:
            r.problem(path, f"'url' is required for a {type_name} monitor")
        if "query" in m and m["query"] is None:
            r.problem(path + ("query",), "must not be empty")
        return spec_class(url, r.get(m, path, "query", query, spec_class.query))

    return read


@contextmanager
def failing(seen: Observation, where: DatabaseUrl, timeout: float,
            driver_cause: Callable[[Exception, DatabaseUrl, bool], str | None]) -> Iterator[None]:
    """Turn an error raised inside into the check's cause, password masked. `driver_cause(exc,
    where, connected)` names the driver's errors (None: not one of them); the rest are named as every type's are. Cancellation
    (the check's timeout) and the engine's own faults go on to `run_check`, which owns them."""
    from uptime_tui.checks.causes import describe_error, engine_fault

    try:
        yield
    except Exception as exc:
        if engine_fault(exc):
            raise
        connected = bool(seen.facts.get("connected"))
        seen.failed(where.mask(driver_cause(exc, where, connected) or describe_error(exc, timeout)))
