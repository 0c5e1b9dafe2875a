"""The collector's writer process: commits on another core, and fails loudly when gone."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from console.cli.collect_cmd import fit, status_line
from console.collector import Collector
from console.collector import writer as writer_module
from console.collector.stats import CollectorStats
from console.collector.writer import ProcessWriter
from console.errors import WarehouseError
from tests.collector_helpers import message, post_batch
from tests.waiting import wait_for


def writer_pid(collector: Collector) -> int:
    process = collector.pipeline.writer._process  # type: ignore[attr-defined]
    assert process is not None
    return int(process.pid)


def test_events_are_committed_by_a_child_process_that_ends_with_the_collector(
    collector: Collector,
) -> None:
    pid = writer_pid(collector)
    assert pid != os.getpid()
    response = post_batch(collector, [message(1), message(2)])
    assert response.status_code == 200
    assert collector.warehouse.count() == 2
    collector.stop()
    assert collector.pipeline.writer._process.poll() is not None  # type: ignore[attr-defined]
    assert collector.pipeline.writer.health()["down"] is None  # stopped, not broken


def test_a_killed_writer_answers_503_then_a_new_one_takes_over(collector: Collector) -> None:
    assert post_batch(collector, [message(1)]).status_code == 200
    first = writer_pid(collector)
    process = collector.pipeline.writer._process  # type: ignore[attr-defined]
    process.kill()
    process.wait()
    answer = post_batch(collector, [message(2)], timeout=10)
    assert answer.status_code == 503
    assert "writer" in answer.json()["message"]
    assert answer.headers.get("retry-after")
    down = httpx.get(f"{collector.url}/api/stats").json()["writer"]
    assert down["kind"] == "process"
    assert down["down"] == "killed by SIGKILL"  # why CI got 503s
    assert "SIGKILL" in answer.json()["message"]
    wait_for(
        lambda: post_batch(collector, [message(2)], timeout=10).status_code == 200,
        what="a new writer to take the batch",
    )
    assert writer_pid(collector) != first
    assert collector.pipeline.writer.restarts == 1  # type: ignore[attr-defined]
    assert collector.warehouse.get("msg-1", "segment") is not None
    assert collector.warehouse.get("msg-2", "segment") is not None
    stats = httpx.get(f"{collector.url}/api/stats").json()
    assert stats["stored"] == 2
    assert stats["writer"] == {"kind": "process", "restarts": 1, "down": None}


@pytest.mark.parametrize("collector", [{"writer_process": False}], indirect=True)
def test_an_embedded_collector_says_it_commits_in_a_thread(collector: Collector) -> None:
    assert post_batch(collector, [message(1)]).status_code == 200
    stats = httpx.get(f"{collector.url}/api/stats").json()
    assert stats["writer"] == {"kind": "thread", "restarts": 0, "down": None}


def test_the_status_line_shows_a_writer_in_trouble_and_nothing_when_it_is_well() -> None:
    stats = CollectorStats()
    well = status_line(stats, 0, {"kind": "process", "restarts": 0, "down": None})
    assert "writer" not in well
    down = status_line(stats, 5, {"kind": "process", "restarts": 2, "down": "exit code -9"})
    assert "writer down: exit code -9" in down
    assert "writer restarted 2x" in down
    assert "queued 5" in down


def test_the_status_line_fits_one_terminal_row() -> None:
    line = status_line(CollectorStats(), 0, {"kind": "process", "restarts": 0, "down": None})
    assert len(line) < 80  # an 80-column terminal redraws it in place
    long = status_line(CollectorStats(), 0, {"kind": "process", "restarts": 3, "down": "x" * 90})
    assert len(fit(long, 80)) == 79 and fit(long, 80).endswith("…")
    assert fit(line, 200) == line


def test_a_writer_that_dies_while_starting_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module.sys, "executable", "/bin/false")  # exits at once, code 1
    with pytest.raises(WarehouseError, match=r"stopped while starting: .*exited with code 1"):
        ProcessWriter(str(tmp_path / "w.db")).start()


def test_a_stalled_writer_never_stalls_the_server(collector: Collector) -> None:
    """A writer that stops reading (a slow disk; here SIGSTOP) must not block the event
    loop: the query API still answers, and nothing acknowledged is lost once it resumes."""
    import signal
    import threading

    child = collector.pipeline.writer._process  # type: ignore[attr-defined]
    assert child is not None
    big = [message(i, properties={"pad": "x" * 8_000}) for i in range(60)]  # ~0.5 MB each
    answers: list[int] = []
    os.kill(child.pid, signal.SIGSTOP)
    try:
        senders = [
            threading.Thread(
                target=lambda k=k: answers.append(
                    post_batch(
                        collector,
                        [{**m, "messageId": f"{m['messageId']}-{k}"} for m in big],
                        timeout=60,
                    ).status_code
                )
            )
            for k in range(6)  # ~3 MB of rows: more than the pipe to the writer holds
        ]
        for sender in senders:
            sender.start()

        def all_pending() -> bool:
            stats = httpx.get(f"{collector.url}/api/stats", timeout=3)  # the loop is free
            return stats.status_code == 200 and stats.json()["pending"] == 360

        wait_for(all_pending, what="every batch to wait for the stopped writer")
        assert answers == []  # nothing acknowledged before it is committed
    finally:
        os.kill(child.pid, signal.SIGCONT)
    for sender in senders:
        sender.join(60)
    assert answers == [200] * 6
    assert collector.warehouse.count() == 360
