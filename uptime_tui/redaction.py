"""Targets and URLs as anyone may see them: credentials and secret-looking query values masked.

A monitor URL can carry a password (`https://user:pass@host/`) or a token in its query
(`?api_key=...`). `redact_target` is the one function that masks them; payloads (events.py), the
console, Apprise text, log lines and causes all go through it, so the rule is written once.
`redact_text` applies it to every URL inside a free text (a log line, an exception message), and
to every query string there, which an access log shows without its scheme and host.

It lives here rather than in notify/redact.py, beside the probe that sends those credentials,
because the pure domain (events.py) needs it and notify/ loads peewee and httpx on import; the
channel redaction in notify/redact.py builds on it.

A notification channel's URL follows a harsher rule: anything after its scheme may be a token
(`slack://T000/B000/XXXX`), so `redact_url` keeps the scheme alone and `url_secrets` lists every
part of it, for the channel kinds (`notify/channels/`) to hand to the notifier's `Redactor`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit, urlunsplit

MASK = "****"
MIN_SECRET = 4  # shorter fragments (a port, "on") would mask ordinary words
# A query parameter is secret when one of its words is one of these (`api_key`, `X-Amz-Signature`,
# `accessToken`) or its name ends in one (`apitoken`, `privatekey`). A false positive only masks a
# harmless value on screen; the request itself is sent unchanged.
SECRET_WORDS = frozenset({
    "token", "key", "apikey", "secret", "password", "passwd", "pass", "pwd", "sig", "signature",
    "auth", "authorization", "credential", "credentials", "session", "sessionid", "jwt", "hmac",
})
SECRET_SUFFIXES = ("token", "key", "secret", "password", "passwd", "signature", "credential")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_WORD = re.compile(r"[a-z0-9]+")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
_QUERY = re.compile(r"\?([^\s'\"<>]+)")  # a query without its URL, as in an access log's request line


def is_secret_name(name: str) -> bool:
    """Whether a query parameter's name says its value is a credential."""
    words = _WORD.findall(_CAMEL.sub(r"\1_\2", unquote_plus(name)).lower())
    if not words:
        return False
    return any(w in SECRET_WORDS for w in words) or "".join(words).endswith(SECRET_SUFFIXES)


@lru_cache(maxsize=4096)
def redact_target(target: str) -> str:
    """`https://u:p@host/x?api_key=K&page=2` -> `https://****@host/x?api_key=****&page=2`.

    A target without a scheme (`host:port`) carries no credential and is returned as it is.
    """
    if "://" not in target:
        return target
    try:
        parts = urlsplit(target)
    except ValueError:  # unparseable: nothing after the scheme can be trusted to be public
        return f"{target.partition('://')[0]}://{MASK}"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
    return urlunsplit((parts.scheme, netloc, parts.path, _masked_pairs(parts.query),
                       _masked_pairs(parts.fragment)))


def _masked_pairs(query: str) -> str:
    """`a=1&token=x` -> `a=1&token=****`, keeping every other byte as it was written."""
    if "=" not in query:
        return query
    pairs = []
    for pair in query.split("&"):
        name, sep, value = pair.partition("=")
        pairs.append(f"{name}={MASK}" if sep and value and is_secret_name(name) else pair)
    return "&".join(pairs)


def target_secrets(url: str | None) -> set[str]:
    """The credentials in a URL, raw and decoded, to mask where they turn up without it."""
    if not url or "://" not in url:
        return set()
    try:
        parts = urlsplit(url)
    except ValueError:
        return set()
    found: set[str] = set()
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        found |= {userinfo, *userinfo.split(":", 1)}
    for pair in f"{parts.query}&{parts.fragment}".split("&"):
        name, sep, value = pair.partition("=")
        if sep and value and is_secret_name(name):
            found.add(value)
    found |= {unquote(s) for s in found} | {unquote_plus(s) for s in found}
    return {s for s in found if len(s) >= MIN_SECRET and s != MASK}


def redact_text(text: str | None, url: str | None = None) -> str | None:
    """`text` with every URL in it redacted and, when `url` is given, its credentials masked
    wherever they appear on their own (an exception may quote a password without its URL)."""
    if not text:
        return text
    if "://" in text:
        text = _URL.sub(lambda match: redact_target(match.group()), text)
    if "?" in text:
        text = _QUERY.sub(lambda match: "?" + _masked_pairs(match.group(1)), text)
    for secret in sorted(target_secrets(url), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def redact_url(url: str) -> str:
    """A channel's URL by its scheme alone: `slack://T0/B0/XX` -> `slack://****`."""
    scheme, sep, _ = url.partition("://")
    return f"{scheme}://{MASK}" if sep else MASK


def url_secrets(url: str) -> set[str]:
    """A channel URL, whole and each part of it that could be a credential."""
    found = {url}
    try:
        parts = urlsplit(url)
    except ValueError:
        return found
    for value in (parts.username, parts.password):
        if value:
            found |= {value, unquote(value)}
    after_scheme = url.partition("://")[2]
    found.add(after_scheme)
    for segment in parts.path.split("/"):
        found |= {segment, unquote(segment)}
    for _, value in parse_qsl(parts.query, keep_blank_values=False):
        found.add(value)
    if parts.scheme not in ("http", "https") and parts.netloc:
        # Apprise puts tokens where a host would be (`tgram://bottoken/chat`, `ntfy://user:pw@topic`)
        found.add(parts.netloc.rpartition("@")[2])
    return {s for s in found if len(s) >= MIN_SECRET}
