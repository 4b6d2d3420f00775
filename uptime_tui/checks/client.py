"""The one set of network clients every check shares, opened once and closed once.

HTTP goes through httpx's API over the httpx-aiohttp transport: a fresh-connection check costs
about half the client CPU of httpx's default httpcore transport and runs twice as many checks a
second (`python bench/checks.py` measures both in one run). An `AsyncClient` or SSL context per
check would cost ~35 ms each (docs/performance.md), so both are built here, once.

Trust is given as a CA file rather than a ready SSLContext because two contexts are derived from
it: one that verifies everything (http checks) and one that leaves the dates to the tls check.
"""

from __future__ import annotations

import http.cookiejar
import os
import ssl

import aiohttp
import dns.asyncresolver
import httpx
from httpx_aiohttp import AiohttpTransport

from uptime_tui import __version__

# Sized above the scheduler's cap on concurrent checks, so a check never waits for a pool slot
# (a wait would count against its timeout and inflate its response time).
DEFAULT_MAX_CONNECTIONS = 512
USER_AGENT = f"uptime-tui/{__version__}"
# OpenSSL's X509_V_FLAG_NO_CHECK_TIME: verify the chain and host name but leave the dates to us,
# so a tls check can say "certificate expired 3 days ago" instead of a bare verify failure.
_X509_V_FLAG_NO_CHECK_TIME = 0x200000
TRANSPORTS = ("aiohttp", "httpcore")


def trusted_context(cafile: str | os.PathLike | None = None) -> ssl.SSLContext:
    """A verifying client context: httpx's default trust store, plus `cafile` when given."""
    context = httpx.create_ssl_context(trust_env=True)
    if cafile is not None:
        context.load_verify_locations(cafile=os.fspath(cafile))
    return context


def dates_unchecked_context(cafile: str | os.PathLike | None = None) -> ssl.SSLContext:
    """A context that verifies the chain and the host name but leaves the dates to the check."""
    context = trusted_context(cafile)
    context.verify_flags |= _X509_V_FLAG_NO_CHECK_TIME
    return context


class ClientCertificateError(Exception):
    """A monitor's client certificate or key could not be loaded; its text is the cause."""


class _NoCookies(httpx.Cookies):
    """A cookie store that never keeps one."""

    def __init__(self):
        super().__init__(http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[])))

    def extract_cookies(self, response: httpx.Response) -> None:
        """Keep nothing, and skip httpx's urllib-based parsing: ~10% of a check's CPU."""


class _StatelessClient(httpx.AsyncClient):
    """An AsyncClient without cookies: a cookie set by one check must not ride on the next."""

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies) -> None:
        pass


_NO_COOKIES = _NoCookies()


class ProbeClient:
    """The shared HTTP client, SSL contexts and DNS resolvers; use as `async with ProbeClient()`."""

    def __init__(
        self,
        *,
        cafile: str | os.PathLike | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        transport: str = "aiohttp",
    ):
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {TRANSPORTS}, not {transport!r}")
        self._cafile = cafile
        self.ssl_context = trusted_context(cafile)
        self.certificate_context = dates_unchecked_context(cafile)
        self.max_connections = max_connections
        self.transport = transport
        self._http: httpx.AsyncClient | None = None
        self._own_clients: dict = {}  # http Connection -> its client, for monitors that need one
        self._resolvers: dict[tuple[str, int], dns.asyncresolver.Resolver] = {}

    @property
    def cafile(self) -> str | os.PathLike | None:
        """The extra CA file checks trust (None: the default trust store only), for drivers that
        take trust as certificates rather than an SSLContext (gRPC)."""
        return self._cafile

    @property
    def http(self) -> httpx.AsyncClient:
        """The shared httpx client; only while the ProbeClient is open."""
        if self._http is None:
            raise RuntimeError("ProbeClient is not open: use `async with ProbeClient() as client`")
        return self._http

    async def __aenter__(self) -> ProbeClient:
        self._http = _StatelessClient(
            transport=self._build_transport(),
            headers={"User-Agent": USER_AGENT},
            # Checks go straight to the target, whatever proxy the operator's shell has set.
            trust_env=False,
        )
        return self

    async def __aexit__(self, *exc_info) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        for own in self._own_clients.values():
            await own.aclose()
        self._own_clients.clear()

    def http_for(self, connection) -> httpx.AsyncClient:
        """A client for monitors that connect their own way (`checks.http.Connection`: no TLS
        verification, a client certificate, one IP family, a proxy), built on first use and kept:
        a client per check would cost ~35 ms. httpx's own transport, which has all four."""
        self.http  # noqa: B018 - only while open
        client = self._own_clients.get(connection)
        if client is None:
            context = self._context_for(connection)
            local = {4: "0.0.0.0", 6: "::"}.get(connection.ip_family)
            limits = httpx.Limits(max_connections=self.max_connections, max_keepalive_connections=0)
            transport = httpx.AsyncHTTPTransport(verify=context, limits=limits, local_address=local,
                                                 proxy=connection.proxy, trust_env=False)
            client = _StatelessClient(transport=transport, headers={"User-Agent": USER_AGENT}, trust_env=False)
            self._own_clients[connection] = client
        return client

    def _context_for(self, connection) -> ssl.SSLContext:
        """An SSL context without verification (ignore_tls), with a client certificate, or both;
        a certificate that cannot be loaded raises with the file named (the check's cause)."""
        context = trusted_context(self._cafile)
        if connection.ignore_tls:
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        if connection.client_cert:
            try:
                context.load_cert_chain(connection.client_cert, connection.client_key)
            except (OSError, ssl.SSLError) as exc:
                raise ClientCertificateError(f"cannot load the client certificate {connection.client_cert}:"
                                             f" {getattr(exc, 'strerror', None) or exc}") from None
        return context

    def resolver(self, address: str, port: int) -> dns.asyncresolver.Resolver:
        """A dnspython async resolver that asks only `address`:`port`, kept for reuse."""
        key = (address, port)
        if key not in self._resolvers:
            resolver = dns.asyncresolver.Resolver(configure=False)
            resolver.nameservers = [address]
            resolver.port = port
            self._resolvers[key] = resolver
        return self._resolvers[key]

    def _build_transport(self) -> httpx.AsyncBaseTransport:
        limits = httpx.Limits(max_connections=self.max_connections, max_keepalive_connections=0)
        if self.transport == "httpcore":
            return httpx.AsyncHTTPTransport(verify=self.ssl_context, limits=limits, trust_env=False)
        # Built here, inside the running loop, as aiohttp requires. force_close: every check opens
        # a fresh connection and handshake, as a first-time visitor's would. Name lookups stay
        # cached for 10 s, so monitors sharing a host don't each take a thread-pool lookup.
        connector = aiohttp.TCPConnector(
            ssl=self.ssl_context, limit=self.max_connections, force_close=True, ttl_dns_cache=10
        )
        session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False
        )
        return AiohttpTransport(verify=self.ssl_context, client=session)
