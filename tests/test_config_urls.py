"""What `check-config` now refuses that it took before: Apprise URLs Apprise cannot use, invalid
host names, ping tokens and keys a URL cannot carry, clashing slugs; and what it still takes."""

import logging
import socket

import pytest

from uptime_tui import config as cfg
from uptime_tui.config import ConfigInvalid, parse_config


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigInvalid) as info:
        parse_config(text, "c.yaml", {})
    return [str(p) for p in info.value.problems]


def channel(*urls: str) -> str:
    return "channels:\n  - id: chat\n    apprise:\n" + "".join(f"      - {url!r}\n" for url in urls)


# --- Apprise URLs -------------------------------------------------------------------------------

def test_a_misspelled_apprise_scheme_is_refused_at_its_line_with_a_suggestion():
    [message] = problems(channel("json://127.0.0.1:9/", "slak://xoxb-secret-1234/B0SECRET/C0SECRET"))
    assert message == ("c.yaml:5:9: channels[0].apprise[1]: Apprise knows no service 'slak://'"
                       " (did you mean 'slack://'?)")


@pytest.mark.parametrize("url", ["mailto://", "mailto://bob:pw-secret-77@", "slack://only-one-secret-part"])
def test_an_apprise_url_missing_its_host_or_tokens_is_refused_without_showing_it(url):
    [message] = problems(channel(url))
    scheme = url.partition("://")[0]
    assert f"Apprise cannot use this '{scheme}://' URL" in message
    assert "secret" not in message and "bob" not in message


def test_a_string_holding_several_urls_is_checked_url_by_url_as_apprise_splits_it():
    text = "channels:\n  - {id: chat, apprise: 'json://127.0.0.1:9/, mailto://carol:pw-secret-88@'}\n"
    [message] = problems(text)
    assert message.endswith("Apprise cannot use this 'mailto://' URL: a host, token or recipient is missing"
                            " or malformed (URL 2 of 2 in this entry)")
    assert "secret" not in message and "carol" not in message


def test_apprise_and_permissions_may_be_one_string_but_not_several_permissions_in_one():
    config = parse_config("channels:\n  - {id: chat, apprise: 'json://127.0.0.1:9/'}\napi_keys:\n"
                          "  - {name: k, token: 0123456789abcdefgh, permissions: read}\n", "c.yaml", {})
    assert (config.channels[0].kind, config.channels[0].spec.urls) == ("apprise", ("json://127.0.0.1:9/",))
    assert config.api_keys[0].permissions == frozenset({"read"})
    [message] = problems("api_keys:\n  - {name: k, token: 0123456789abcdefgh, permissions: 'read, write'}\n")
    assert message == "c.yaml:2:55: api_keys[0].permissions: several permissions are a list: [read, write]"


VALID_APPRISE = [
    "slack://T0000AAAA/B0000BBBB/XXXXsecretXXXXtoken",
    "https://hooks.slack.com/services/T0000AAAA/B0000BBBB/XXXXsecretXXXXtoken",
    "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js",
    "mailto://alerts:app-password@example.com?to=oncall@example.com",
    "ntfy://pager-topic-secret",
    "tgram://123456789:AABBccddEEffGGhhIIjjKKllMMnnOOppQQ/-1001234567890",
    "json://127.0.0.1:8792/apprise",
]


def test_valid_apprise_urls_are_checked_without_network_io_or_log_lines(monkeypatch, caplog):
    reached = []

    def no_network(*args, **kwargs):
        reached.append(args)
        raise OSError("the config check must not touch the network")

    for target, name in ((socket, "getaddrinfo"), (socket, "create_connection"), (socket.socket, "connect")):
        monkeypatch.setattr(target, name, no_network)
    # Many channels, as a large config has: each URL is built by Apprise, nothing is sent.
    text = "channels:\n" + "".join(f"  - {{id: c{i}, apprise: ['{VALID_APPRISE[i % len(VALID_APPRISE)]}']}}\n"
                                   for i in range(300))
    with caplog.at_level(logging.DEBUG):
        config = parse_config(text, "c.yaml", {})
    assert len(config.channels) == 300 and reached == []
    assert not [r for r in caplog.records if r.name.startswith("apprise")]  # they would quote the URLs


def test_apprise_log_lines_of_other_threads_still_flow(caplog):
    import threading

    from uptime_tui.notify.channels.apprise import _quiet

    def log_elsewhere():
        logging.getLogger("apprise").warning("from the notifier's thread")

    with caplog.at_level(logging.WARNING), _quiet("apprise"):
        logging.getLogger("apprise").warning("from the config check")
        thread = threading.Thread(target=log_elsewhere)
        thread.start()
        thread.join()
    assert [r.getMessage() for r in caplog.records] == ["from the notifier's thread"]


# --- host names ---------------------------------------------------------------------------------

@pytest.mark.parametrize("monitor, expected", [
    ("{type: tcp, host: 'db .internal', port: 5432}", "'db .internal' is not a valid host name"),
    ("{type: tcp, host: 'db:5432', port: 5432}", "a port goes in 'port'"),
    ("{type: tcp, host: 'tcp://db', port: 5432}", "is a URL: give the host name alone"),
    ("{type: dns, host: '-bad-.example.com'}", "no '-' at either end of a part"),
    ("{type: dns, host: 'a..example.com'}", "a part between dots is empty"),
    ("{type: dns, host: '999.1.1.1'}", "not a valid IP address"),
    ("{type: dns, host: 'exa$mple.com'}", "'exa$mple.com' is not a valid host name"),
    ("{type: tls, host: " + "a" * 64 + ".com}", "longer than 63 characters"),
    ("{type: http, url: 'http://exa mple.com/'}", "the host 'exa mple.com' of the URL is not valid"),
    ("{type: keyword, url: 'https://bad_-.example..com/', keyword: ok}", "of the URL is not valid"),
])
def test_invalid_host_names_are_refused(monitor, expected):
    [message] = problems(f"monitors:\n  - {{id: m, {monitor[1:]}\n")
    assert message.startswith("c.yaml:2:") and expected in message, message


@pytest.mark.parametrize("monitor", [
    "{type: tcp, host: db.internal, port: 5432}",
    "{type: tcp, host: my_service, port: 6379}",  # docker service names
    "{type: tcp, host: '::1', port: 22}",
    "{type: dns, host: example.com.}",
    "{type: dns, host: bücher.de}",
    "{type: tls, host: 10.0.0.7}",
    "{type: http, url: 'http://[::1]:8080/health'}",
    "{type: http, url: 'https://user:pw@xn--bcher-kva.de/'}",
])
def test_valid_host_names_are_taken(monitor):
    parse_config(f"monitors:\n  - {{id: m, {monitor[1:]}\n", "c.yaml", {})


def test_a_webhook_with_an_invalid_host_is_refused_without_showing_it():
    [message] = problems("channels:\n  - {id: w, webhook: {url: 'https://hooks example.com/t/secret-1'}}\n")
    assert "its host is not a valid host name" in message and "secret" not in message


# --- ping tokens, the ping key, slugs -------------------------------------------------------------

@pytest.mark.parametrize("token", ["has/slash-token-1", "has space token", "ünïcode-token-1", "query?token=1"])
def test_a_heartbeat_token_a_url_cannot_carry_is_refused_without_showing_it(token):
    [message] = problems(f"heartbeats:\n  - {{id: job, period: 1h, token: {token!r}}}\n")
    assert "may hold only letters, digits, '-', '.', '_' and '~'" in message
    assert token not in message


def test_url_safe_tokens_and_keys_are_taken_and_the_key_is_not_shown():
    config = parse_config("settings: {ping_key: Ab0-._~Ab0-._~Ab0-}\n"
                          "heartbeats:\n  - {id: job, period: 1h, token: Ab0-._~x}\n", "c.yaml", {})
    assert config.heartbeats[0].token == "Ab0-._~x"
    assert "Ab0-._~Ab0" not in repr(config.settings)


@pytest.mark.parametrize("key, expected", [
    ("short-key", "must be at least 16 characters"),
    ("a key with spaces in it", "may hold only letters"),
    ("job-token-1234567890", "must differ from every heartbeat's token ('job' has it)"),
])
def test_a_bad_ping_key_is_refused(key, expected):
    text = f"settings: {{ping_key: '{key}'}}\nheartbeats:\n  - {{id: job, period: 1h, token: job-token-1234567890}}\n"
    [message] = problems(text)
    assert message.startswith("c.yaml:1:") and expected in message


def test_slugs_default_to_the_id_slugified_as_healthchecks_slugifies_names():
    assert [cfg.slugify(s) for s in ("nightly-backup", "DB.Backup_2", "a--b", "x:y", "Straße")] == [
        "nightly-backup", "dbbackup_2", "a-b", "xy", "strae"]
    config = parse_config("heartbeats:\n  - {id: DB.Backup, period: 1h}\n"
                          "  - {id: report, period: 1h, slug: weekly-report}\n", "c.yaml", {})
    assert [h.ping_slug for h in config.heartbeats] == ["dbbackup", "weekly-report"]
    assert config.heartbeats[0].slug is None  # stored as written: no definition changes on upgrade


def test_a_slug_must_be_lowercase_letters_digits_dashes_and_underscores():
    [message] = problems("heartbeats:\n  - {id: job, period: 1h, slug: Nightly Job}\n")
    assert message.startswith("c.yaml:2:33: heartbeats[0].slug: 'Nightly Job' is not a slug")


def test_with_a_ping_key_two_heartbeats_cannot_share_a_slug():
    text = ("settings: {ping_key: ping-key-0123456789abc}\nheartbeats:\n  - {id: db.backup, period: 1h}\n"
            "  - {id: dbbackup, period: 1h}\n  - {id: other, period: 1h, slug: dbbackup}\n")
    found = problems(text)
    too = "slug 'dbbackup' names heartbeat 'db.backup' too (line 3); give one of them a 'slug'"
    assert found == [f"c.yaml:4:10: heartbeats[1].id: {too}", f"c.yaml:5:35: heartbeats[2].slug: {too}"]
    # Without a ping key no URL uses slugs, and a config that was valid stays valid.
    parse_config(text.split("\n", 1)[1], "c.yaml", {})
