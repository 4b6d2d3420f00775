"""grpc monitors: `grpc.health.v1.Health/Check` for one service; down unless it answers SERVING.

(Named grpc_health, not grpc, so the module never shadows the grpc package it imports.)

With `tls`, the probe first shakes hands itself, verifying the chain and the name as the tls
check does, to judge the certificate's dates (`certificate_expires`, degraded within 14 days):
gRPC's Python API never shows a client the server's certificate. The RPC's channel then trusts
what the other checks trust (the default roots, plus the ProbeClient's CA file).

`ignore_tls` cannot be done the usual way: gRPC's Python API has no switch to skip verification.
So the probe takes the certificate the server presents, unverified, and has gRPC trust exactly
that certificate under a name it carries: a self-signed certificate, a private CA or another name
pass, but gRPC's TLS library still checks the dates, so an expired certificate still fails.

grpcio is imported where a check needs it: config loading reads the spec here.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from uptime_tui.checks.monitor_type import MonitorType
from uptime_tui.checks.observation import Observation
from uptime_tui.checks.tls import judge_certificate
from uptime_tui.config.urls import hostname
from uptime_tui.config.values import Reader, boolean, described, port, text

if TYPE_CHECKING:
    from uptime_tui.checks.client import ProbeClient
    from uptime_tui.config.model import Monitor

TLS_WARNING_DAYS = 14
UNREACHED = ("UNAVAILABLE", "DEADLINE_EXCEEDED")  # codes that say nothing answered


@dataclass(frozen=True)
class GrpcSpec:
    """The server and service whose health is asked, and how the channel is secured."""

    host: str | None  # None only in a config refused for it
    port: int | None
    service: str = ""  # "": the server as a whole
    tls: bool = False
    ignore_tls: bool = False

    @property
    def target(self) -> str:
        where = f"grpc {self.host}:{self.port}"
        return f"{where} ({self.service})" if self.service else where

    @property
    def payload_type(self) -> str:
        return "tcp"  # Better Stack has no gRPC monitor


def read(r: Reader, m: dict, path: tuple) -> GrpcSpec:
    """A grpc monitor's host and port (required), service and TLS settings."""
    host, grpc_port = r.get(m, path, "host", hostname), r.get(m, path, "port", port)
    if (host is None or grpc_port is None) and not ("host" in m and "port" in m):
        r.problem(path, "'host' and 'port' are required for a grpc monitor")
    tls, ignore_tls = r.get(m, path, "tls", boolean, False), r.get(m, path, "ignore_tls", boolean, False)
    if ignore_tls and not tls:
        r.problem(path + ("ignore_tls",), "'ignore_tls' goes with 'tls: true'")
    return GrpcSpec(host, grpc_port, r.get(m, path, "service", service_name, ""), tls, ignore_tls)


@described({"type": "string", "examples": ["", "payments", "grpc.health.v1.Health"]})
def service_name(value) -> str:
    """The service whose health is asked; "" (the default) is the server as a whole."""
    return "" if value == "" else text(value)


async def probe(monitor: Monitor, client: ProbeClient, seen: Observation) -> None:
    """Ask the health service; pass on SERVING, with the certificate's warning when there is one."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    spec: GrpcSpec = monitor.spec
    if not spec.host or not spec.port:
        seen.failed("no host and port configured")
        return
    address = f"[{spec.host}]:{spec.port}" if ":" in spec.host else f"{spec.host}:{spec.port}"
    warning = None
    if spec.tls:
        credentials, options = await _tls_channel_settings(spec, client, seen)
        if credentials is None:  # the certificate's dates failed the check
            return
        warning = seen.cause  # "certificate expires in 3 days", or None
        channel = grpc.aio.secure_channel(address, credentials, options=options)
    else:
        channel = grpc.aio.insecure_channel(address)
    started = time.perf_counter()
    try:
        request = health_pb2.HealthCheckRequest(service=spec.service)
        response = await health_pb2_grpc.HealthStub(channel).Check(request, timeout=monitor.timeout)
    except grpc.aio.AioRpcError as exc:
        _judge_error(spec, exc.code().name, exc.details(), seen)
        return
    finally:
        await channel.close()
    seen.ttfb_ms = (time.perf_counter() - started) * 1000
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    seen.facts["connected"], seen.facts["grpc.status"] = True, status
    if status == "SERVING":
        seen.passed(warning)
    else:
        seen.failed(f"gRPC health of {_service_name(spec)}: {status}")


def _judge_error(spec: GrpcSpec, code: str, details: str | None, seen: Observation) -> None:
    if code not in UNREACHED:
        seen.facts["connected"] = True
    if code == "NOT_FOUND":  # the health service knows no such service: what Watch calls SERVICE_UNKNOWN
        seen.facts["grpc.status"] = "SERVICE_UNKNOWN"
        seen.failed(f"gRPC health of {_service_name(spec)}: SERVICE_UNKNOWN (no such service)")
        return
    seen.failed(f"{code}: {details}" if details else code)


def _service_name(spec: GrpcSpec) -> str:
    return f'"{spec.service}"' if spec.service else "the server"


async def _tls_channel_settings(spec: GrpcSpec, client: ProbeClient, seen: Observation) -> tuple:
    """(channel credentials, channel options), or (None, None) when the certificate's dates fail."""
    import grpc

    context = _unverified_context() if spec.ignore_tls else _dates_unchecked_context(client.cafile)
    _, writer = await asyncio.open_connection(spec.host, spec.port, ssl=context, server_hostname=spec.host)
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der, decoded = ssl_object.getpeercert(binary_form=True), ssl_object.getpeercert()
    finally:
        writer.transport.abort()  # only the certificate was wanted
    if spec.ignore_tls:
        if not der:
            seen.failed("TLS error: no peer certificate")
            return None, None
        name = _certificate_name(der)
        options = [("grpc.ssl_target_name_override", name)] if name else []
        return grpc.ssl_channel_credentials(ssl.DER_cert_to_PEM_cert(der).encode()), options
    judge_certificate(decoded, time.time(), TLS_WARNING_DAYS, seen)
    if not seen.success:
        return None, None
    return grpc.ssl_channel_credentials(_roots(client.cafile)), []


@lru_cache(maxsize=8)  # an SSLContext costs ~35 ms to build: once per CA file, not per check
def _dates_unchecked_context(cafile: str | os.PathLike | None) -> ssl.SSLContext:
    from uptime_tui.checks.client import dates_unchecked_context

    context = dates_unchecked_context(cafile)
    context.set_alpn_protocols(["h2"])  # gRPC servers may refuse a TLS client that offers no h2
    return context


@lru_cache(maxsize=1)
def _unverified_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    return context


@lru_cache(maxsize=8)
def _roots(cafile: str | os.PathLike | None) -> bytes | None:
    """The certificates gRPC trusts: its own default roots, or certifi's plus the CA file (as the
    http checks trust them); gRPC takes roots as one PEM text and replaces its defaults with it."""
    if cafile is None:
        return None
    import certifi

    with open(certifi.where(), "rb") as bundle, open(cafile, "rb") as extra:
        return bundle.read() + b"\n" + extra.read()


def _certificate_name(der: bytes) -> str | None:
    """A name the certificate is issued for (its first DNS or IP name, else its common name)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    certificate = x509.load_der_x509_certificate(der)
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        found = names.get_values_for_type(x509.DNSName) or [str(a) for a in names.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        found = []
    if not found:
        found = [str(a.value) for a in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return found[0].replace("*", "probe", 1) if found else None  # a wildcard matches any one label


GRPC = MonitorType("grpc", ("host", "port", "service", "tls", "ignore_tls"), read, probe,
                   facts=("connected", "grpc.status", "certificate_expires"),
                   requires=(("grpc", "grpc"), ("grpc_health", "grpc"), ("cryptography", "grpc")))
