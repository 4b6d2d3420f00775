"""Apprise channels: any Apprise URL (Slack, Discord, ntfy, e-mail, json:// ...), sent from a thread.

Apprise's `notify()` blocks (requests, smtplib), so it runs in a small thread pool of the
Notifier's and is awaited with a timeout; each of the channel's URLs gets the channel's timeout
as its connect and read timeout. What went wrong is taken from Apprise's own result log, which
may quote a URL, so it is redacted before it is stored or shown.

An Apprise URL carries its tokens anywhere after the scheme, so a channel is shown by its schemes
alone and a refused URL is named by its scheme. apprise is imported where it is used, not above:
config loading reads the spec here (and asks Apprise to parse each URL, without sending).
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from uptime_tui.config.values import Reader, shown, text_list
from uptime_tui.notify import render
from uptime_tui.notify.channels.kind import ChannelKind, ChannelSender, Message
from uptime_tui.notify.plan import SendResult
from uptime_tui.redaction import redact_url, url_secrets


@dataclass(frozen=True)
class AppriseSpec:
    """The channel's Apprise URLs (they carry tokens: not in repr)."""

    urls: tuple = field(default=(), repr=False)


def read(r: Reader, m: dict, path: tuple) -> AppriseSpec:
    """`apprise: [URL, ...]` of a channel entry; a single string is a list of one, as for every
    list here (and Apprise's own `add`)."""
    urls = r.get(m, path, "apprise", text_list, ())
    for i, url in enumerate(urls):
        if reason := apprise_problem(url):  # never echoes the URL: it carries tokens
            r.problem(path + ("apprise", i), reason)
    return AppriseSpec(urls)


def apprise_problem(entry: str) -> str | None:
    """Why Apprise could not notify `entry` (one URL, or several split as Apprise's `add` splits
    them), or None. Apprise builds each service from its URL as it would to send, but sends and
    resolves nothing, in well under a millisecond. A refusal names only the scheme: the rest of
    an Apprise URL carries its tokens."""
    if "://" not in entry:
        return "not an Apprise URL (scheme://...)"
    from apprise import Apprise
    from apprise.manager_plugins import NotificationManager
    from apprise.utils.parse import parse_urls

    services = NotificationManager()  # a singleton: plugins are loaded once per process
    with _quiet("apprise"):  # its errors quote the URL
        urls = parse_urls(entry)
        if not urls:
            return "not an Apprise URL (scheme://...)"
        for n, url in enumerate(urls, 1):
            if Apprise.instantiate(url) is not None:
                continue
            scheme = url.partition("://")[0].lower()
            named, which = shown(f"{scheme}://"), f" (URL {n} of {len(urls)} in this entry)" if len(urls) > 1 else ""
            if scheme in services and not services[scheme].enabled:
                return f"Apprise's {named} service cannot run on this machine (a package is missing){which}"
            if scheme in services:
                return f"Apprise cannot use this {named} URL: a host, token or recipient is missing or malformed{which}"
            if scheme in ("http", "https"):  # one of the services' own URLs (Slack's, Discord's ...), but not this
                return f"Apprise knows no service at this {named} URL (json:// posts JSON; or use 'webhook'){which}"
            close = difflib.get_close_matches(scheme, list(services.schemas()), n=1)
            hint = f" (did you mean '{close[0]}://'?)" if close else ""
            return f"Apprise knows no service {named}{hint}{which}"
    return None


class _OtherThreads(logging.Filter):
    def __init__(self):
        super().__init__()
        self.thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread != self.thread


@contextmanager
def _quiet(logger_name: str):
    """Drop what this thread logs to `logger_name` meanwhile; other threads log as usual."""
    logger, only_others = logging.getLogger(logger_name), _OtherThreads()
    logger.addFilter(only_others)
    try:
        yield
    finally:
        logger.removeFilter(only_others)


def describe(spec: AppriseSpec) -> str:
    """`apprise slack://****, mailto://****`."""
    return "apprise " + ", ".join(redact_url(u) for u in spec.urls)


def secrets(spec: AppriseSpec) -> set[str]:
    """Every URL, whole and in parts."""
    return set().union(*(url_secrets(url) for url in spec.urls))


# --- sending ------------------------------------------------------------------------------------

class AppriseChannel:
    """The Apprise object of one channel, built once per config."""

    def __init__(self, spec: AppriseSpec, timeout: float, redact):
        import apprise

        self._apprise = apprise
        self.timeout = timeout
        self.redact = redact
        self.notifier = apprise.Apprise()
        self.invalid = [f"URL {i} ({redact_url(url)})" for i, url in enumerate(spec.urls, 1)
                        if not self.notifier.add(url)]
        for service in self.notifier:
            service.socket_connect_timeout = min(service.socket_connect_timeout, timeout)
            service.socket_read_timeout = timeout

    def send(self, text: render.Text) -> SendResult:
        """Send one message to every URL of the channel (blocking: call from a thread)."""
        if self.invalid:
            return SendResult(False, f"Apprise does not understand {', '.join(self.invalid)}", permanent=True)
        apprise = self._apprise
        try:
            result = self.notifier.notify(body=text.body, title=text.title, notify_type=text.kind,
                                          body_format=apprise.NotifyFormat.TEXT, timeout=self.timeout * 2)
        except Exception as exc:  # a plugin bug must not end the delivery loop
            return SendResult(False, self.redact(f"Apprise failed: {type(exc).__name__}: {exc}"))
        if result:
            return SendResult(True)
        reasons = list(dict.fromkeys(
            entry.message for entry in result.logs() if str(entry.level).upper() in ("WARNING", "ERROR", "CRITICAL")))
        detail = "; ".join(reasons[:3]) or f"Apprise reported {getattr(result.status, 'name', result.status)}"
        return SendResult(False, self.redact(detail))


class AppriseSender(ChannelSender):
    """A small thread pool for Apprise's blocking `notify()`, and one Apprise object per channel,
    rebuilt when the channel changes."""

    def __init__(self, options):
        self.threads = options.apprise_threads
        self.pool: ThreadPoolExecutor | None = None
        self.channels: dict[str, AppriseChannel] = {}

    def forget(self, channel_id: str) -> None:
        self.channels.pop(channel_id, None)

    async def send(self, channel, message: Message, *, ctx, now, redact, details=None) -> SendResult:
        """The message as text a person reads, with incident details (and evidence, when single)."""
        incident_ids = {d.payload.get("incident_id") for d in message.deliveries} - {None}
        found = await details(incident_ids, 0 if message.digest else 3) if incident_ids and details else {}
        if message.digest:
            text = render.digest_text([d.payload for d in message.deliveries], found, channel.min_interval)
        else:
            payload = message.deliveries[0].payload
            text = render.message_text(payload, found.get(payload.get("incident_id")))
        loop = asyncio.get_running_loop()
        if self.pool is None:
            self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="uptime-tui-apprise")
        sender = self.channels.get(channel.id)
        if sender is None:
            sender = await loop.run_in_executor(self.pool, AppriseChannel, channel.spec, channel.timeout, redact)
            self.channels[channel.id] = sender
        limit = channel.timeout * 2 + 5
        try:
            async with asyncio.timeout(limit):  # not wait_for: see Notifier._run
                return await loop.run_in_executor(self.pool, sender.send, text)
        except TimeoutError:
            return SendResult(False, f"Apprise gave no answer within {limit:g}s")

    async def close(self, wait: float) -> bool:
        """Whether every Apprise call still running finished within `wait` seconds (until then it
        may log, and its log lines must stay masked)."""
        pool, self.pool = self.pool, None
        if pool is None:
            return True
        pool.shutdown(wait=False, cancel_futures=True)
        try:
            async with asyncio.timeout(wait):
                await asyncio.to_thread(pool.shutdown, wait=True)
        except TimeoutError:
            return False
        return True


KIND = ChannelKind("apprise", "'apprise' (URLs)", read, describe, secrets, AppriseSender)
