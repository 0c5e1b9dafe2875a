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


def start_collector(db: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "collect", "--port", "0", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
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
    while len(acknowledged) < 60:
        threading.Event().wait(0.01)
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
