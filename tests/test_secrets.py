"""Monitor URLs keep their secrets: credentials and secret-looking query values shown as ****."""

from __future__ import annotations

import pytest

from uptime_tui.redaction import MASK, is_secret_name, redact_target, redact_text, target_secrets


@pytest.mark.parametrize("target, shown", [
    ("https://user:pass@example.test/health", "https://****@example.test/health"),
    ("https://ghp_token0123@example.test:8443/x", "https://****@example.test:8443/x"),
    ("https://us%40er:p%3Ass@example.test/", "https://****@example.test/"),
    ("https://example.test/x?api_key=K1&page=2", "https://example.test/x?api_key=****&page=2"),
    (("https://example.test/?token=a&key=b&apikey=c&secret=d&password=e&passwd=f&pass=g&sig=h"
      "&signature=i&auth=j&access_token=k"),
     ("https://example.test/?token=****&key=****&apikey=****&secret=****&password=****&passwd=****"
      "&pass=****&sig=****&signature=****&auth=****&access_token=****")),
    ("https://s3.test/o?X-Amz-Signature=abc&X-Amz-Credential=AK%2F1&X-Amz-Date=20260101",
     "https://s3.test/o?X-Amz-Signature=****&X-Amz-Credential=****&X-Amz-Date=20260101"),
    ("https://example.test/?accessToken=1&API_KEY=2&client_secret=3&private_token=4",
     "https://example.test/?accessToken=****&API_KEY=****&client_secret=****&private_token=****"),
    ("https://example.test/cb#access_token=abc&state=ok", "https://example.test/cb#access_token=****&state=ok"),
    ("https://example.test/?token=&q=token", "https://example.test/?token=&q=token"),  # nothing to hide
    ("https://example.test/health", "https://example.test/health"),
    ("db.internal:5432", "db.internal:5432"),
    ("example.test", "example.test"),
    ("http://[::1", "http://****"),  # unparseable: only the scheme is safe
])
def test_redact_target(target, shown):
    assert redact_target(target) == shown
    assert redact_target(shown) == shown  # redacting twice changes nothing


@pytest.mark.parametrize("name", ["token", "Token", "api-key", "apiKey", "x-api-key", "authToken", "session_id",
                                  "hmac", "jwt", "pwd", "privatekey"])
def test_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["page", "q", "region", "author", "passive", "signup", ""])
def test_ordinary_names(name):
    assert not is_secret_name(name)


def test_target_secrets_are_the_credentials_raw_and_decoded():
    found = target_secrets("https://us%40er:p%3Ass-word@h.test/?api_key=k%2Bey1&page=2")
    assert {"us%40er:p%3Ass-word", "us@er", "p%3Ass-word", "p:ss-word", "k%2Bey1", "k+ey1"} <= found
    assert not {"h.test", "page", "2"} & found
    assert target_secrets("db.internal:5432") == set() and target_secrets(None) == set()


def test_redact_text_masks_every_url_and_the_given_urls_credentials():
    url = "http://probe:hunter2-secret@127.0.0.1:8080/?token=abcdef"
    text = f'HTTP Request: GET {url} "HTTP/1.1 200 OK"; rejected hunter2-secret'
    assert redact_text(text, url) == (f'HTTP Request: GET http://{MASK}@127.0.0.1:8080/?token={MASK} '
                                      f'"HTTP/1.1 200 OK"; rejected {MASK}')
    assert redact_text("connection refused") == "connection refused"
    assert redact_text(None) is None


def test_the_stored_target_that_every_face_shows_is_redacted(tmp_path):
    from uptime_tui.config import parse_config
    from uptime_tui.store import open_database
    from uptime_tui.store.models import Monitor
    from uptime_tui.store.sync import sync_definitions

    database = open_database(str(tmp_path / "uptime.db"))
    url = "https://probe:hunter2@api.test/?api_key=K123"
    sync_definitions(parse_config(f"monitors: [{{id: api, type: http, url: '{url}'}}]", "c.yaml", {}))
    assert Monitor.get().target == "https://****@api.test/?api_key=****"
    Monitor.update(target=url).execute()  # as an older version stored it
    sync_definitions(parse_config(f"monitors: [{{id: api, type: http, url: '{url}'}}]", "c.yaml", {}))
    assert Monitor.get().target == "https://****@api.test/?api_key=****"
    database.close()


def test_redact_text_masks_a_query_without_its_url():
    line = '127.0.0.1 "GET /health?api_key=key-123&page=2 HTTP/1.1" 200'
    assert redact_text(line) == '127.0.0.1 "GET /health?api_key=****&page=2 HTTP/1.1" 200'
