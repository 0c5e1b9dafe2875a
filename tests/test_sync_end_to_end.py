"""A sync rehearsed the way a user does it: the sample data replayed, ``martech sandbox`` in
one process, ``martech sync run --execute`` in another, with a partial 207 and a 429 burst
injected; then the ledger, the next plan, and a scan for the credential."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, SAMPLE_EVENTS, run_martech
from tests.waiting import wait_for

SYNCS = ROOT / "sample_data" / "syncs.toml"
TOKEN = "pat-na1-e2e-0000-ffff-secret"


@pytest.fixture
def sandbox(cli_env: dict[str, str]) -> Iterator[str]:
    """``martech sandbox --port 0`` in its own process; yields the HubSpot fake's URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "sandbox", "--port", "0"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        # one line per fake, by name: "hubspot: http://127.0.0.1:PORT/hubspot  (...)"
        lines = iter(process.stdout.readline, "")
        line = next((li for li in lines if li.startswith("hubspot: ")), "")
        assert line.startswith("hubspot: http://127.0.0.1:"), process.stderr.read()  # type: ignore[union-attr]
        yield line.split()[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def env(cli_env: dict[str, str], tmp_path: Path, sandbox: str) -> dict[str, str]:
    db = tmp_path / "warehouse.db"
    loaded = run_martech(["replay", str(SAMPLE_EVENTS), "--db", str(db)], cli_env)
    assert loaded.returncode == 0, loaded.stderr
    return {
        **cli_env,
        "MARTECH_DB": str(db),
        "MARTECH_SYNCS": str(SYNCS),
        "MARTECH_HUBSPOT_BASE_URL": sandbox,
        "MARTECH_HUBSPOT_PRIVATE_APP_TOKEN": TOKEN,
    }


def control(sandbox: str, path: str, **body: object) -> httpx.Response:
    base = sandbox.rsplit("/hubspot", 1)[0]
    if body:
        return httpx.post(f"{base}/_sandbox/{path}", json=body)
    return httpx.get(f"{base}/_sandbox")


def test_a_rehearsal_survives_a_207_and_a_429_and_the_next_run_sends_only_the_refused_row(
    env: dict[str, str], sandbox: str, tmp_path: Path
) -> None:
    plan = run_martech(["sync", "plan", "people_to_hubspot", "--json"], env)
    assert plan.returncode == 0, plan.stderr
    planned = json.loads(plan.stdout)
    assert planned["counts"]["add"] == 157 and len(planned["requests"]) == 2
    refused = planned["changes"][5]["match"]
    assert control(sandbox, "faults", connector="hubspot", kind="partial",
                   rows=[refused]).status_code == 200  # fmt: skip
    assert control(sandbox, "faults", connector="hubspot", kind="rate_limit", count=2,
                   retry_after=1).status_code == 200  # fmt: skip

    run = run_martech(["sync", "run", "people_to_hubspot", "--execute", "--plan",
                       planned["plan_id"], "--json"], env)  # fmt: skip
    assert run.returncode == 1, run.stderr  # one row was refused
    result = json.loads(run.stdout)
    assert result["outcomes"] == {"accepted": 156, "rejected": 1}
    assert result["retries"] >= 2  # the 429 burst was waited out, not lost

    shown = json.loads(run_martech(["sync", "show", str(result["run"]), "--json"], env).stdout)
    rejected = [r for r in shown["rows"] if r["outcome"] == "rejected"]
    assert [r["match"] for r in rejected] == [refused] and rejected[0]["reason"]
    held = control(sandbox, "").json()["hubspot"]["contacts"]
    assert len(held) == 156

    again = json.loads(run_martech(["sync", "plan", "people_to_hubspot", "--json"], env).stdout)
    assert again["counts"]["add"] == 1 and again["changes"][0]["match"] == refused
    second = run_martech(["sync", "run", "people_to_hubspot", "--execute", "--json"], env)
    assert second.returncode == 0 and json.loads(second.stdout)["outcomes"] == {"accepted": 1}

    history = json.loads(run_martech(["sync", "history", "--json"], env).stdout)["runs"]
    assert [(r["kind"], r["status"]) for r in history[:2]] == [
        ("execute", "success"), ("plan", "planned")
    ]  # fmt: skip
    for file in tmp_path.glob("warehouse.db*"):
        assert TOKEN.encode() not in file.read_bytes(), f"the token is in {file.name}"


def test_a_plan_reviewed_before_the_data_changed_is_refused(env: dict[str, str]) -> None:
    planned = json.loads(run_martech(["sync", "plan", "people_to_hubspot", "--json"], env).stdout)
    more = Path(env["MARTECH_DB"]).parent / "more.ndjson"
    more.write_text(json.dumps({
        "type": "identify", "userId": "usr_new", "messageId": "late-1",
        "traits": {"email": "late@example.com"}, "timestamp": "2026-09-01T00:00:00Z",
    }) + "\n")  # fmt: skip
    assert run_martech(["replay", str(more)], env).returncode == 0
    run = run_martech(["sync", "run", "people_to_hubspot", "--execute", "--plan",
                       planned["plan_id"]], env)  # fmt: skip
    assert run.returncode == 2
    assert f"not {planned['plan_id']}" in run.stderr and "Nothing was sent" in run.stderr


def test_without_the_token_nothing_is_sent_and_the_fix_is_named(
    env: dict[str, str], sandbox: str
) -> None:
    env = {k: v for k, v in env.items() if k != "MARTECH_HUBSPOT_PRIVATE_APP_TOKEN"}
    run = run_martech(["sync", "run", "people_to_hubspot", "--execute"], env)
    assert run.returncode != 0
    assert "martech creds set hubspot private_app_token" in run.stderr
    assert control(sandbox, "").json()["hubspot"]["requests"] == 0


def test_ctrl_c_during_a_slow_run_leaves_a_ledger_that_says_so_and_the_next_plan_resends(
    env: dict[str, str], sandbox: str
) -> None:
    """Ctrl+C while the run waits out a long 429: the run is `interrupted` (not `success`),
    no row is left without an outcome, exit 1, and the next plan sends every row again."""
    assert control(sandbox, "faults", connector="hubspot", kind="rate_limit", count=50,
                   retry_after=60).status_code == 200  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "sync", "run", "people_to_hubspot", "--execute"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        wait_for(lambda: control(sandbox, "").json()["hubspot"]["requests"] >= 1, timeout=60)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 1, err
    assert "interrupted" in out + err and "martech sync show" in err
    assert "Traceback" not in err

    runs = json.loads(run_martech(["sync", "history", "--json"], env).stdout)["runs"]
    assert (runs[0]["kind"], runs[0]["status"]) == ("execute", "interrupted")
    rows = json.loads(run_martech(["sync", "show", str(runs[0]["run"]), "--json"], env).stdout)
    outcomes = {r["outcome"] for r in rows["rows"]}
    assert outcomes <= {"skipped", "unknown"}, outcomes  # every row has an outcome
    assert all(r["reason"] for r in rows["rows"])

    again = json.loads(run_martech(["sync", "plan", "people_to_hubspot", "--json"], env).stdout)
    assert again["counts"]["add"] == 157
