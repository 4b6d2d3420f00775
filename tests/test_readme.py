"""The README's commands work when pasted after the quick start: every `sh` block of README.md
whose lines run `.venv/bin/uptime-tui` is run here, each line on its own, against a fresh data
directory (no internet, no running console needed), and must exit 0."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ".venv/bin/uptime-tui"


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith(COMMAND)]


def test_the_readme_shows_runnable_commands():
    assert len(readme_commands()) >= 3


@pytest.mark.parametrize("line", readme_commands())
def test_a_readme_command_runs_as_pasted(line, tmp_path):
    # The README's `.venv/bin/uptime-tui` is this interpreter's uptime-tui (the same package).
    argv = [sys.executable, "-m", "uptime_tui", *shlex.split(line)[1:]]
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "HOME": str(tmp_path)}
    env.pop("UPTIME_TUI_DB", None)
    env.pop("UPTIME_TUI_CONFIG", None)
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
