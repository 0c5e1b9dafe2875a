"""Long work shows a sign of life on stderr when it is a terminal, and nothing in CI logs:
``validate --db`` and ``touch --all``, as ``replay`` does."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from console.host import PluginHost
from console.replay import Replayer
from console.taxonomy.loader import load_click_id_registry
from console.warehouse import Warehouse
from tests.conftest import SAMPLE_EVENTS


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "sample.db"
    with Warehouse(path) as warehouse:
        Replayer(warehouse, PluginHost().discover(), load_click_id_registry()).run(SAMPLE_EVENTS)
    return path


def run_with_terminal_stderr(
    args: list[str], env: dict[str, str], out: Path
) -> tuple[int, str, str]:
    """Run martech with stderr on a pseudo-terminal (stdout to a file, as CI would)."""
    master, slave = pty.openpty()
    with out.open("wb") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "console", *args],
            env=env,
            stdout=stdout,
            stderr=slave,
            stdin=subprocess.DEVNULL,
        )
    os.close(slave)
    terminal = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        terminal += chunk
    os.close(master)
    code = process.wait(timeout=120)
    return code, out.read_text(), terminal.decode(errors="replace")


@pytest.mark.parametrize(
    ("args", "label"),
    [
        (["validate", "--db"], "validating sample.db"),
        (["touch", "--all", "--workers", "1", "--db"], "debugging every person"),
    ],
)
def test_progress_on_a_terminal_only(
    sample_db: Path, tmp_path: Path, cli_env: dict[str, str], args: list[str], label: str
) -> None:
    out = tmp_path / "stdout.txt"
    code, stdout, terminal = run_with_terminal_stderr([*args, str(sample_db)], cli_env, out)
    assert code in (0, 1), terminal
    assert label in terminal and "100%" in terminal
    assert label not in stdout
    piped = subprocess.run(
        [sys.executable, "-m", "console", *args, str(sample_db)],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert piped.returncode == code
    assert label not in piped.stderr and label not in piped.stdout
