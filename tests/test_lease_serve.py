"""Real `serve` processes sharing one database: one serves, the others wait as standbys, a stop
while waiting exits 0, and after `kill -9` of the active one a standby takes over once the lease
expires. Bounded waits only; nothing is timed."""

import signal

from support.network import free_port
from support.processes import Serve
LEASE = 3  # seconds: the shortest lease, so the takeover comes soon after the kill


def test_a_second_serve_waits_and_takes_over_after_the_first_is_killed(database_url, tmp_path):
    port = free_port()
    config_path = tmp_path / "config.yaml"
    config_path.write_text(
        f"settings: {{listen: '127.0.0.1:{port}', lease: {LEASE}s, "
        f"console_token_file: '{tmp_path / 'engine.token'}'}}\n"
        "heartbeats: [{id: job, period: 1h, token: job-token-12345}]\n")
    first = Serve(config_path, database_url)
    standbys: list[Serve] = []
    try:
        first.wait_for("serving 0 monitors and 1 heartbeats", 60)
        standbys = [Serve(config_path, database_url) for _ in range(2)]
        for standby in standbys:
            standby.wait_for("standby: the engine is held by a serve on ", 60)
            assert standby.said[-1].endswith(f"pid {first.process.pid}")

        quitter, second = standbys
        quitter.process.send_signal(signal.SIGTERM)
        assert quitter.process.wait(30) == 0
        quitter.wait_for("stopped while standby", 5)

        first.process.kill()  # kill -9: the lease is left as it was, renewed until now
        first.process.wait(10)
        second.wait_for("took over the engine lease", LEASE + 20)
        second.wait_for("serving 0 monitors and 1 heartbeats", 30)
        second.process.send_signal(signal.SIGTERM)
        assert second.process.wait(30) == 0
        assert not any("Traceback" in line for line in second.said + quitter.said), second.said
    finally:
        first.end()
        for standby in standbys:
            standby.end()
