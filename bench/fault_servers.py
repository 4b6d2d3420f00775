"""The servers bench/faults.py runs its monitors against, on 127.0.0.1, each in a thread.

- `Targets`: one HTTP server with N paths (`/<run>/t00` ...) whose health the script flips (200 /
  503); it counts the checks it answered, so results lost can be told from results stored.
- `Receiver`: a webhook receiver that records every delivery (headers, body, event, incident id,
  event id from the `Idempotency-Key`) and answers 200.

Both put a token of the run in their paths and the receiver checks each POST's signature: other
people's tests run on this machine too, and an engine of theirs still retrying a receiver whose
port is ours now would otherwise count as ours (same `evt_<id>` keys, other bodies).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request, client_address):  # a check cut by kill -9: not news
        pass


def _serve_in_thread(server: ThreadingHTTPServer) -> None:
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()


class Targets:
    """N paths on one server; `up[i]` False answers 503. `hits[i]` counts the checks answered."""

    def __init__(self, count: int):
        self.up = [True] * count
        self.hits = [0] * count
        self.foreign = 0  # requests for other paths
        self.lock = threading.Lock()
        self.prefix = f"/{secrets.token_hex(6)}/"
        targets = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                path = self.path.split("?")[0]
                name = path[len(targets.prefix):] if path.startswith(targets.prefix) else ""
                index = int(name[1:]) if name[:1] == "t" and name[1:].isdigit() else -1
                if not 0 <= index < len(targets.up):
                    status = 404
                    targets.foreign += 1
                else:
                    with targets.lock:
                        targets.hits[index] += 1
                        status = 200 if targets.up[index] else 503
                body = b"ok" if status == 200 else b"down"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        _serve_in_thread(self.server)

    def url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}t{index:02}"

    def set_all(self, up: bool) -> None:
        with self.lock:
            self.up = [up] * len(self.up)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Delivery:
    path: str
    headers: dict  # lower-case names
    body: bytes
    event: str | None
    incident_id: int | None
    key: str | None  # the Idempotency-Key
    event_id: int | None  # from `evt_<id>`
    received: float


def signed(secret: str, header: str | None, body: bytes) -> bool:
    """Whether `X-Uptime-Signature: t=<unix time>,v1=<hex>` is HMAC-SHA256(secret, "<t>." + body)."""
    try:
        fields = dict(part.split("=", 1) for part in (header or "").split(","))
        expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    except (KeyError, ValueError):
        return False
    return hmac.compare_digest(expected, fields.get("v1", ""))


class Receiver:
    """Records every POST to its path signed with its secret (others only counted); answers 200."""

    def __init__(self):
        self.deliveries: list[Delivery] = []
        self.foreign = 0  # POSTs to another path or not signed with our secret
        self.path = f"/hook/{secrets.token_hex(6)}"
        self.secret = f"faults-{secrets.token_hex(8)}"
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if self.path != receiver.path or not signed(receiver.secret, headers.get("x-uptime-signature"), body):
                    with lock:
                        receiver.foreign += 1
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = {}
                key = headers.get("idempotency-key")
                event_id = int(key[4:]) if key and key.startswith("evt_") and key[4:].isdigit() else None
                record = Delivery(self.path, headers, body, payload.get("event"), payload.get("incident_id"),
                                  key, event_id, time.time())
                with lock:
                    receiver.deliveries.append(record)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        _serve_in_thread(self.server)

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
