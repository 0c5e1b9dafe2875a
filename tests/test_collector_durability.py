"""Nothing acknowledged is lost: SIGKILL the collector mid-stream and check every 200."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from tests.waiting import wait_for


def start_collector(
    db: Path, env: dict[str, str], stderr: int = subprocess.DEVNULL
) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "collect", "--port", "0", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert "listening on" in first, first
    return proc, first.split("listening on ")[1].split()[0]


def batch(n: int) -> dict[str, object]:
    return {
        "batch": [
            {
                "type": "track",
                "event": "Beat",
                "userId": f"u{n % 7}",
                "messageId": f"b{n}-{i}",
                "properties": {"n": n, "i": i},
            }
            for i in range(50)
        ]
    }


def test_every_acknowledged_batch_survives_sigkill(tmp_path: Path, cli_env: dict[str, str]) -> None:
    db = tmp_path / "durable.db"
    proc, url = start_collector(db, cli_env)
    acknowledged: list[int] = []
    stop = threading.Event()

    def send(first: int) -> None:
        with httpx.Client(timeout=5) as client:
            n = first
            while not stop.is_set():
                try:
                    if client.post(f"{url}/v1/batch", json=batch(n)).status_code == 200:
                        acknowledged.append(n)
                except httpx.HTTPError:
                    pass
                n += 3

    senders = [threading.Thread(target=send, args=(k,)) for k in range(3)]
    for sender in senders:
        sender.start()
    try:
        wait_for(lambda: len(acknowledged) >= 60, timeout=60, what="60 acknowledged batches")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        stop.set()
        for sender in senders:
            sender.join()

    proc, url = start_collector(db, cli_env)  # restart on the same file
    try:
        stats = httpx.get(f"{url}/api/stats").json()
    finally:
        proc.terminate()
        proc.wait(10)
    with sqlite3.connect(db) as conn:
        rows = dict(conn.execute("SELECT message_id, count(*) FROM events GROUP BY message_id"))
    assert len(set(acknowledged)) >= 60
    missing = [f"b{n}-{i}" for n in set(acknowledged) for i in range(50) if f"b{n}-{i}" not in rows]
    assert missing == []
    assert set(rows.values()) == {1}
    assert stats["total"] == len(rows)


def writers_of(db: Path) -> list[int]:
    """Pids of writer processes working on this warehouse file."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"from console.collector.writer import main; main()" in cmdline and (
            str(db).encode() in cmdline
        ):
            found.append(int(entry.name))
    return found


def test_ctrl_c_commits_exits_cleanly_and_leaves_no_writer(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    db = tmp_path / "stop.db"
    proc, url = start_collector(db, cli_env, stderr=subprocess.PIPE)
    assert httpx.post(f"{url}/v1/batch", json=batch(1)).status_code == 200
    assert writers_of(db), "the collector commits through a writer process"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "stopped." in err and "Aborted" not in err
    wait_for(lambda: not writers_of(db), what="the writer process to end")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 50


def test_a_killed_collector_leaves_no_writer_behind(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    db = tmp_path / "orphan.db"
    proc, url = start_collector(db, cli_env)
    assert httpx.post(f"{url}/v1/batch", json=batch(1)).status_code == 200
    assert writers_of(db)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    wait_for(lambda: not writers_of(db), what="the writer to end when its collector dies")
