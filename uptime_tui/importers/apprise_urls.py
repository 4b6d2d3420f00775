"""Apprise URLs for the notification services Gatus and Uptime Kuma share, secrets as `${VAR}`.

Each builder takes the service's settings as the source names them (already read by the
importer) and answers the Apprise URL, or raises Unsupported with the reason. The secret part of
every URL goes through `Document.secret`, so the output holds only its variable.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from uptime_tui.importers.document import Document, compose


class Unsupported(Exception):
    """This service, or these settings of it, have no Apprise URL here."""


def _need(value, what: str) -> str:
    if not value or not isinstance(value, (str, int)):
        raise Unsupported(f"no {what} given")
    return str(value)


def webhook_url(doc: Document, service: str, url, where: str) -> str:
    """Slack's and Discord's own webhook URLs: Apprise takes them as they are; the whole URL is
    the secret."""
    return doc.secret(f"{service}_webhook_url", _need(url, f"{service} webhook URL"),
                      f"the {service} webhook URL of {where}")


def telegram(doc: Document, token, chat, where: str) -> str:
    ref = doc.secret("telegram_bot_token", _need(token, "Telegram bot token"), f"the Telegram bot token of {where}")
    return compose("tgram://", ref, "/" + quote(_need(chat, "Telegram chat id"), safe="-@"))


def pagerduty(doc: Document, integration_key, where: str) -> str:
    key = doc.secret("pagerduty_integration_key", _need(integration_key, "PagerDuty integration key"),
                     f"the PagerDuty integration key of {where}")
    # Apprise's PagerDuty service takes an API key beside the integration (routing) key.
    api = doc.secret("pagerduty_api_key", None, "a PagerDuty API key; Apprise needs one, the source had none")
    return compose("pagerduty://", key, "@", api)


def email(doc: Document, host, port, username, password, sender, to, where: str, secure: bool | None = None) -> str:
    host, to = _need(host, "mail server"), _need(to, "recipient")
    port = int(port or 587)
    scheme = "mailtos" if (secure if secure is not None else port != 25) else "mailto"
    user: list = []
    if username:
        user = [quote(str(username), safe="")]
        if password:
            user += [":", doc.secret("smtp_password", str(password), f"the SMTP password of {where}")]
        user.append("@")
    query = f"?to={quote(str(to), safe='@,')}"
    if sender:
        query += f"&from={quote(str(sender), safe='@')}"
    return compose(f"{scheme}://", *user, f"{host}:{port}{query}")


def ntfy(doc: Document, server, topic, token, where: str) -> str:
    parts = urlsplit(str(server or "https://ntfy.sh"))
    scheme = "ntfys" if parts.scheme == "https" else "ntfy"
    url = f"{scheme}://{parts.netloc or 'ntfy.sh'}/{quote(_need(topic, 'ntfy topic'), safe='')}"
    if token:
        return compose(url, "?token=", doc.secret("ntfy_token", str(token), f"the ntfy access token of {where}"))
    return url


def gotify(doc: Document, server, token, where: str) -> str:
    parts = urlsplit(_need(server, "Gotify server URL"))
    scheme = "gotifys" if parts.scheme == "https" else "gotify"
    ref = doc.secret("gotify_token", _need(token, "Gotify application token"), f"the Gotify token of {where}")
    return compose(f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/", ref)


def pushover(doc: Document, user_key, app_token, where: str) -> str:
    user = doc.secret("pushover_user_key", _need(user_key, "Pushover user key"), f"the Pushover user key of {where}")
    app = doc.secret("pushover_app_token", _need(app_token, "Pushover application token"),
                     f"the Pushover application token of {where}")
    return compose("pover://", user, "@", app)


def mattermost(doc: Document, url, where: str) -> str:
    """`https://host/hooks/TOKEN` -> `mmosts://host/${MATTERMOST_TOKEN}`."""
    parts = urlsplit(_need(url, "Mattermost webhook URL"))
    prefix, _, token = parts.path.rpartition("/hooks/")
    if not token or not parts.netloc:
        raise Unsupported("the Mattermost webhook URL is not of the form https://HOST/hooks/TOKEN")
    ref = doc.secret("mattermost_token", token, f"the Mattermost webhook token of {where}")
    scheme = "mmosts" if parts.scheme == "https" else "mmost"
    return compose(f"{scheme}://{parts.netloc}{prefix}/", ref)
