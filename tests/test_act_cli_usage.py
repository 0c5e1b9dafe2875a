"""The "act half" as a user first meets it from the README: `martech sql`, `martech sync`,
`martech creds`, `martech reconcile` on the sample data and on half-broken input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_EVENTS, run_martech

SYNCS = ROOT / "sample_data" / "syncs.toml"


@pytest.fixture
def env(cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The sample events replayed into a fresh warehouse, as the README starts."""
    db = tmp_path / "warehouse.db"
    loaded = run_martech(["replay", str(SAMPLE_EVENTS), "--db", str(db)], cli_env)
    assert loaded.returncode == 0, loaded.stderr
    return {**cli_env, "MARTECH_DB": str(db)}


def test_sql_on_people_works_right_after_replay(env: dict[str, str]) -> None:
    """The README's first sync command reads `people` before any sync has planned."""
    done = run_martech(
        ["sql", "SELECT person, email, first_source, revenue FROM people LIMIT 5", "--json"], env
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["columns"] == ["person", "email", "first_source", "revenue"]
    assert len(answer["rows"]) == 5
    counted = run_martech(["sql", "SELECT count(*) FROM conversions", "--json"], env)
    assert json.loads(counted.stdout)["rows"][0][0] > 0


def test_the_ledger_tells_a_sandbox_rehearsal_from_a_real_run(env: dict[str, str]) -> None:
    """`sync history` and `sync show` say where each run went: a rehearsal is marked as one."""
    syncs = ["--syncs", str(SYNCS)]
    rehearsed = run_martech(
        ["sync", "run", "people_to_hubspot", "--sandbox", "--execute", *syncs], env
    )
    assert rehearsed.returncode == 0, rehearsed.stderr
    planned = run_martech(["sync", "plan", "people_to_hubspot", *syncs], env)
    assert planned.returncode == 0, planned.stderr

    runs = json.loads(run_martech(["sync", "history", "--json"], env).stdout)["runs"]
    latest, rehearsal = runs[0], runs[1]
    assert (rehearsal["kind"], rehearsal["sandbox"]) == ("execute", True)
    assert rehearsal["base_url"].startswith("http://127.0.0.1:")
    assert (latest["kind"], latest["sandbox"]) == ("plan", False)
    assert latest["base_url"] == "https://api.hubapi.com"

    table = run_martech(["sync", "history"], env).stdout.splitlines()
    assert "sandbox" in table[2] and "sandbox" not in table[1]
    shown = run_martech(["sync", "show", str(rehearsal["run"])], env).stdout.splitlines()[0]
    assert "sandbox" in shown and rehearsal["base_url"] in shown


def test_a_sandbox_rehearsal_can_be_reviewed_then_executed_with_its_plan_id(
    env: dict[str, str],
) -> None:
    """Review, then `--execute --plan ID`, works for a rehearsal too: each --sandbox run
    starts its fake on a new port, and the plan id does not move with it."""
    args = ["sync", "run", "opportunities_to_hubspot", "--sandbox", "--syncs", str(SYNCS)]
    first = run_martech([*args, "--json"], env)
    second = run_martech([*args, "--json"], env)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    reviewed = json.loads(first.stdout)["plan_id"]
    assert json.loads(second.stdout)["plan_id"] == reviewed
    executed = run_martech([*args, "--execute", "--plan", reviewed, "--json"], env)
    assert executed.returncode == 0, executed.stderr
    assert json.loads(executed.stdout)["outcomes"] == {"accepted": 25}


def test_a_failing_query_in_martech_sql_does_not_send_the_user_to_martech_sql(
    env: dict[str, str],
) -> None:
    done = run_martech(["sql", "SELEC person FROM people"], env)
    assert done.returncode == 2
    assert 'near "SELEC": syntax error' in done.stderr
    assert "try it with martech sql" not in done.stderr


def test_executing_a_blocked_plan_says_nothing_was_sent_and_keeps_json_parsable(
    env: dict[str, str],
) -> None:
    """The sample's Meta conversions are older than 7 days: the plan is blocked by a lint."""
    args = ["sync", "run", "conversions_to_meta", "--sandbox", "--execute", "--syncs", str(SYNCS)]
    as_json = run_martech([*args, "--json"], env)
    assert as_json.returncode == 1
    plan = json.loads(as_json.stdout)
    assert plan["blocked"] is True
    assert any(lint["code"] == "meta.event_too_old" for lint in plan["lints"])
    assert "blocked" in as_json.stderr and "nothing was sent" in as_json.stderr
    as_text = run_martech(args, env)
    assert as_text.returncode == 1
    assert "blocked" in as_text.stderr and "nothing was sent" in as_text.stderr


def test_reconciling_an_id_nothing_knows_says_so_rather_than_blaming_the_vendor(
    env: dict[str, str],
) -> None:
    """A typo in --user: the events, the syncs and HubSpot all know nothing of it; the
    answer says the id is unknown here too, not only that HubSpot has no record."""
    args = ["reconcile", "hubspot", "--user", "usr_10011", "--sandbox", "--syncs", str(SYNCS)]
    text = run_martech(args, env)
    assert text.returncode == 0, text.stderr
    assert "no event or sync knows usr_10011" in text.stdout
    (person,) = json.loads(run_martech([*args, "--json"], env).stdout)["people"]
    assert person["status"] == "no_vendor_record" and person["person"] is None
    assert any("martech events --user usr_10011" in note for note in person["notes"])
