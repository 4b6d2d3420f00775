"""Apprise channels: any Apprise URL (Slack, Discord, ntfy, e-mail, json:// ...), sent from a thread.

Apprise's `notify()` blocks (requests, smtplib), so it runs in a small thread pool of the
Notifier's and is awaited with a timeout; each of the channel's URLs gets the channel's timeout
as its connect and read timeout. What went wrong is taken from Apprise's own result log, which
may quote a URL, so it is redacted before it is stored or shown.
"""

from __future__ import annotations

from uptime_tui.notify.plan import SendResult
from uptime_tui.notify.redact import Redactor, redact_url
from uptime_tui.notify.render import Text


class AppriseChannel:
    """The Apprise object of one channel, built once per config."""

    def __init__(self, channel, redactor: Redactor):
        import apprise

        self._apprise = apprise
        self.channel = channel
        self.redactor = redactor
        self.notifier = apprise.Apprise()
        self.invalid = [f"URL {i} ({redact_url(url)})" for i, url in enumerate(channel.apprise, 1)
                        if not self.notifier.add(url)]
        for service in self.notifier:
            service.socket_connect_timeout = min(service.socket_connect_timeout, channel.timeout)
            service.socket_read_timeout = channel.timeout

    def send(self, text: Text) -> SendResult:
        """Send one message to every URL of the channel (blocking: call from a thread)."""
        if self.invalid:
            return SendResult(False, f"Apprise does not understand {', '.join(self.invalid)}", permanent=True)
        apprise = self._apprise
        try:
            result = self.notifier.notify(body=text.body, title=text.title, notify_type=text.kind,
                                          body_format=apprise.NotifyFormat.TEXT,
                                          timeout=self.channel.timeout * 2)
        except Exception as exc:  # a plugin bug must not end the delivery loop
            return SendResult(False, self.redactor(f"Apprise failed: {type(exc).__name__}: {exc}"))
        if result:
            return SendResult(True)
        reasons = list(dict.fromkeys(
            entry.message for entry in result.logs() if str(entry.level).upper() in ("WARNING", "ERROR", "CRITICAL")))
        detail = "; ".join(reasons[:3]) or f"Apprise reported {getattr(result.status, 'name', result.status)}"
        return SendResult(False, self.redactor(detail))
