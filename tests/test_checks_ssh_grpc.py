"""ssh and grpc checks against real servers on 127.0.0.1, configured as the YAML writes them."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone

import asyncssh
import pytest
import trustme

from uptime_tui.checks import ProbeClient, run_check
from uptime_tui.config import ConfigInvalid, parse_config

from support.net_servers import grpc_health_server, ssh_server
from support.network import free_port

pytestmark = pytest.mark.anyio


def monitor(yaml_entry: str):
    """The one monitor of a config holding `yaml_entry` (a flow mapping), with a 5s timeout."""
    config = parse_config(f"monitors:\n  - {{id: m, timeout: 5s, {yaml_entry}}}\n", "c.yaml")
    return config.monitors[0]


def problems(monitors_yaml: str) -> list[tuple[int, int, str]]:
    with pytest.raises(ConfigInvalid) as refused:
        parse_config("monitors:\n" + textwrap.indent(textwrap.dedent(monitors_yaml), "  "), "c.yaml")
    return [(p.line, p.column, p.message) for p in refused.value.problems]


async def check(yaml_entry: str, cafile=None):
    async with ProbeClient(cafile=cafile) as client:
        return await run_check(monitor(yaml_entry), client, "eu")


# --- ssh -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def host_key():
    return asyncssh.generate_private_key("ssh-ed25519")


async def test_ssh_records_banner_and_host_key(host_key):
    fingerprint = host_key.get_fingerprint("sha256")
    async with ssh_server(host_key) as port:
        result = await check(f"type: ssh, host: 127.0.0.1, port: {port},"
                             f" conditions: ['banner contains AsyncSSH', 'host_key == \"{fingerprint}\"']")
    assert result.success and result.cause is None, result.cause
    assert [ok for ok, _ in result.assertions] == [True, True]


async def test_ssh_matching_host_key_passes_and_a_different_one_fails(host_key):
    other = asyncssh.generate_private_key("ssh-ed25519").get_fingerprint("sha256")
    fingerprint = host_key.get_fingerprint("sha256")
    async with ssh_server(host_key) as port:
        same = await check(f'type: ssh, host: 127.0.0.1, port: {port}, host_key: "{fingerprint}"')
        differs = await check(f'type: ssh, host: 127.0.0.1, port: {port}, host_key: "{other}"')
    assert same.success
    assert not differs.success
    assert differs.cause == f"host key {fingerprint} differs from the expected {other}"


async def test_ssh_banner_condition_that_fails_names_what_was_found(host_key):
    async with ssh_server(host_key) as port:
        result = await check(f"type: ssh, host: 127.0.0.1, port: {port}, conditions: ['banner contains OpenSSH']")
    assert not result.success and "banner" in result.cause and "AsyncSSH" in result.cause


async def test_ssh_refused_port():
    result = await check(f"type: ssh, host: 127.0.0.1, port: {free_port()}")
    assert not result.success and result.cause == "connection refused"


async def test_ssh_config_problems_have_their_line_and_column():
    found = problems("""\
        - {id: a, type: ssh, host: bastion, host_key: "SHA256:short"}
        - {id: b, type: ssh, port: 22}
        - {id: c, type: ssh, host: bastion, conditions: ['grpc.status == SERVING']}
        """)
    assert found[0][:2] == (2, 49) and "ssh-keygen -lf" in found[0][2]
    assert found[1][:2] == (3, 5) and found[1][2] == "'host' is required for an ssh monitor"
    assert found[2][0] == 4 and "ssh monitors have no grpc.status" in found[2][2]


def test_ssh_target_and_default_port():
    assert monitor("type: ssh, host: bastion").target == "ssh bastion:22"
    assert monitor("type: ssh, host: bastion, port: 2222").target == "ssh bastion:2222"


# --- grpc ------------------------------------------------------------------------------------

STATUSES = {"": "SERVING", "payments": "SERVING", "ledger": "NOT_SERVING"}


async def test_grpc_serving_passes_and_not_serving_fails():
    async with grpc_health_server(STATUSES) as port:
        whole = await check(f"type: grpc, host: 127.0.0.1, port: {port}")
        payments = await check(f"type: grpc, host: 127.0.0.1, port: {port}, service: payments,"
                               " conditions: ['grpc.status == SERVING']")
        ledger = await check(f"type: grpc, host: 127.0.0.1, port: {port}, service: ledger")
    assert whole.success and whole.cause is None, whole.cause
    assert payments.success and payments.assertions[0][0]
    assert not ledger.success and ledger.cause == 'gRPC health of "ledger": NOT_SERVING'


async def test_grpc_unknown_service_is_service_unknown():
    async with grpc_health_server(STATUSES) as port:
        result = await check(f"type: grpc, host: 127.0.0.1, port: {port}, service: nope,"
                             " conditions: ['grpc.status == SERVICE_UNKNOWN']")
    assert not result.success
    assert result.cause == 'gRPC health of "nope": SERVICE_UNKNOWN (no such service)'
    assert result.assertions[0][0]  # the fact was recorded


async def test_grpc_refused_port_names_the_code():
    result = await check(f"type: grpc, host: 127.0.0.1, port: {free_port()}")
    assert not result.success and result.cause.startswith("UNAVAILABLE: ")


async def test_grpc_tls_trusts_the_given_ca_and_judges_the_dates(ca, cafile):
    soon = datetime.now(timezone.utc) + timedelta(days=3)
    async with grpc_health_server(STATUSES, ca.issue_cert("localhost", not_after=soon)) as port:
        entry = (f"type: grpc, host: localhost, port: {port}, service: payments, tls: true,"
                 " conditions: ['certificate_expires < 4d']")
        trusted = await check(entry, cafile=cafile)
        untrusted = await check(entry)
    assert trusted.success and trusted.degraded and trusted.cause == "certificate expires in 2 days"
    assert trusted.assertions[0][0] and trusted.certificate_expiry is not None
    assert not untrusted.success and untrusted.cause.startswith("TLS error: ")


async def test_grpc_tls_expired_certificate_fails_before_the_call(ca, cafile):
    expired = datetime.now(timezone.utc) - timedelta(days=3)
    async with grpc_health_server(STATUSES, ca.issue_cert("localhost", not_after=expired)) as port:
        result = await check(f"type: grpc, host: localhost, port: {port}, tls: true", cafile=cafile)
    assert not result.success and result.cause == "certificate expired 3 days ago"


async def test_grpc_ignore_tls_trusts_an_unknown_issuer_under_another_name():
    stranger = trustme.CA().issue_cert("payments.internal")
    async with grpc_health_server(STATUSES, stranger) as port:
        ignored = await check(f"type: grpc, host: 127.0.0.1, port: {port}, tls: true, ignore_tls: true")
        verified = await check(f"type: grpc, host: 127.0.0.1, port: {port}, tls: true")
    assert ignored.success, ignored.cause
    assert not verified.success and verified.cause.startswith("TLS error: ")


def test_grpc_target_config_and_problems():
    assert monitor("type: grpc, host: api, port: 50051, service: payments").target == "grpc api:50051 (payments)"
    assert monitor('type: grpc, host: api, port: 50051, service: ""').target == "grpc api:50051"
    assert monitor("type: grpc, host: api, port: 50051").spec.service == ""
    found = problems("""\
        - {id: a, type: grpc, host: api}
        - {id: b, type: grpc, host: api, port: 1, ignore_tls: true}
        """)
    assert found == [(2, 5, "'host' and 'port' are required for a grpc monitor"),
                     (3, 57, "'ignore_tls' goes with 'tls: true'")]
