"""Real servers on 127.0.0.1 for the ssh, grpc, smtp and websocket checks' tests.

Each is an async context manager giving the port it listens on; each stops on exit.
"""

from __future__ import annotations

import contextlib
import ssl

import trustme
from aiohttp import web

from support.network import free_port

HEADERS = web.AppKey("headers", list)  # each upgrade request's headers, for the test to read


@contextlib.asynccontextmanager
async def ssh_server(host_key):
    """An asyncssh server presenting `host_key` (an asyncssh private key); nobody can log in."""
    import asyncssh

    server = await asyncssh.create_server(asyncssh.SSHServer, "127.0.0.1", 0, server_host_keys=[host_key])
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@contextlib.asynccontextmanager
async def grpc_health_server(statuses: dict[str, str], certificate: trustme.LeafCert | None = None):
    """A gRPC server whose health service reports `statuses` ({"": "SERVING", "payments": ...});
    over TLS with `certificate`."""
    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    server = grpc.aio.server()
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    if certificate is None:
        grpc_port = server.add_insecure_port("127.0.0.1:0")
    else:
        chain = b"".join(blob.bytes() for blob in certificate.cert_chain_pems)
        credentials = grpc.ssl_server_credentials([(certificate.private_key_pem.bytes(), chain)])
        grpc_port = server.add_secure_port("127.0.0.1:0", credentials)
    await server.start()
    for service, status in statuses.items():
        await servicer.set(service, health_pb2.HealthCheckResponse.ServingStatus.Value(status))
    try:
        yield grpc_port
    finally:
        await server.stop(None)


@contextlib.contextmanager
def smtp_server(tls_context: ssl.SSLContext | None = None):
    """An aiosmtpd server (in its own thread) greeting as mail.test; offers STARTTLS with
    `tls_context`, and not at all without one."""
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=free_port(), server_hostname="mail.test",
                            ident="ESMTP uptime-tui-test", tls_context=tls_context, ready_timeout=5)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@contextlib.asynccontextmanager
async def websocket_server(tls_context: ssl.SSLContext | None = None):
    """An aiohttp server (over TLS with `tls_context`): /ws answers "pong" to "ping" and echoes anything else; /hangup closes
    without a reply; any other path is a 404."""

    async def answer(request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        request.app[HEADERS].append(dict(request.headers))
        async for message in ws:
            await ws.send_str("pong" if message.data == "ping" else message.data)
        return ws

    async def hang_up(request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.receive()
        await ws.close(code=1011)
        return ws

    app = web.Application()
    app[HEADERS] = []
    app.router.add_get("/ws", answer)
    app.router.add_get("/hangup", hang_up)
    runner = web.AppRunner(app)
    await runner.setup()
    ws_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", ws_port, ssl_context=tls_context).start()
    try:
        yield ws_port, app[HEADERS]
    finally:
        await runner.cleanup()


def server_context(ca: trustme.CA, *names: str, not_after=None) -> ssl.SSLContext:
    """A server-side TLS context with a leaf certificate from `ca` for `names`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*(names or ("127.0.0.1", "localhost")), not_after=not_after).configure_cert(context)
    return context


