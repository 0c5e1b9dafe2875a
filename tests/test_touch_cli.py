"""``martech touch`` and ``martech attribution`` as a user and CI run them, and the JSON
shape CI asserts on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.host import PluginHost
from console.replay import Replayer
from console.taxonomy import load_taxonomy
from console.taxonomy.loader import load_click_id_registry
from console.touch import SCHEMA, TouchEngine
from console.touch.render import report_dict
from console.warehouse import Warehouse
from tests.conftest import SAMPLE_EVENTS, run_martech

REPORT_KEYS = {
    "schema",
    "person",
    "display_id",
    "config",
    "summary",
    "identities",
    "touches",
    "timeline",
    "first",
    "last",
    "findings",
    "conversions",
    "destinations",
    "notes",
    "state_carried",
}
TOUCH_KEYS = {
    "index",
    "event_index",
    "message_id",
    "timestamp",
    "identity",
    "rule",
    "why",
    "source",
    "medium",
    "campaign",
    "content",
    "term",
    "channel",
    "click_id",
    "landing_url",
    "referrer",
    "referring_domain",
    "session",
    "sets_first",
    "sets_last",
    "direct",
}
ENTRY_KEYS = {
    "index",
    "message_id",
    "timestamp",
    "identity",
    "user_id",
    "anonymous_id",
    "source",
    "type",
    "event",
    "page_url",
    "referrer",
    "campaign",
    "click_id",
    "session",
    "session_start",
    "touch",
    "rule",
    "why",
    "expected",
    "reported",
    "diverged",
    "notes",
    "findings",
    "conversion",
}
FINDING_KEYS = {
    "code",
    "severity",
    "message",
    "hint",
    "field",
    "value",
    "message_id",
    "event_index",
    "timestamp",
    "identity",
    "origin",
    "touch",
}
IDENTITY_KEYS = {
    "id",
    "kind",
    "via",
    "linked_to",
    "message_id",
    "linked_at",
    "first_seen",
    "last_seen",
    "events",
}
STATE_KEYS = {"touch", "source", "medium", "campaign", "content", "term", "channel"}


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("touch-cli") / "sample.db"
    with Warehouse(path) as warehouse:
        Replayer(warehouse, PluginHost().discover(), load_click_id_registry()).run(SAMPLE_EVENTS)
    return path


def test_the_json_shape_is_stable(sample_db: Path) -> None:
    with Warehouse(sample_db) as warehouse:
        data = report_dict(TouchEngine(load_taxonomy(None)).debug_person(warehouse, "usr_1075"))
    assert set(data) == REPORT_KEYS and data["schema"] == SCHEMA == "martech.touch/1"
    assert set(data["summary"]) == {
        "events",
        "identities",
        "touches",
        "conversions",
        "diverged_events",
        "findings",
    }
    assert set(data["config"]) >= {
        "last_touch",
        "session_timeout_minutes",
        "taxonomy",
        "excluded_referrers",
        "conversions",
        "state_fields",
    }
    assert all(set(i) == IDENTITY_KEYS for i in data["identities"])
    assert all(set(t) == TOUCH_KEYS for t in data["touches"])
    assert set(data["first"]) == TOUCH_KEYS and set(data["last"]) == TOUCH_KEYS
    assert all(set(e) == ENTRY_KEYS for e in data["timeline"])
    assert all(set(f) == FINDING_KEYS for f in data["findings"])
    entry = data["timeline"][0]
    assert set(entry["expected"]) == {"first", "last"}
    assert set(entry["expected"]["first"]) == STATE_KEYS
    (reported,) = entry["reported"]
    assert set(reported) == {"origin", "first", "last", "click_ids", "read_at"}
    assert set(reported["first"]) == {"source", "medium", "campaign", "content", "term", "channel"}
    (conversion,) = data["conversions"]
    assert set(conversion["credit"]) == {
        "first",
        "last",
        "last_non_direct",
        "linear",
        "position_based",
        "time_decay",
    }
    json.dumps(data)  # plain data all the way down


def test_touch_json_for_one_user(sample_db: Path, cli_env: dict[str, str]) -> None:
    out = run_martech(["touch", "usr_1075", "--db", str(sample_db), "--json"], cli_env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["display_id"] == "usr_1075"
    assert [(f["code"], f["message_id"]) for f in data["findings"]] == [
        ("touch.first_overwritten", "33ef5dd8-1e01-42e7-9554-46159bc801fa")
    ]
    assert data["first"]["channel"] == "Organic Search"
    assert data["last"]["channel"] == "Paid Social"
    assert [i["kind"] for i in data["identities"]].count("anonymous_id") == 2


def test_touch_table_shows_identities_timeline_marks_findings_and_credit(
    sample_db: Path, cli_env: dict[str, str]
) -> None:
    out = run_martech(["touch", "usr_1075", "--db", str(sample_db)], cli_env)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for heading in (
        "IDENTITIES",
        "TOUCHES",
        "TIMELINE",
        "FIRST TOUCH",
        "LAST TOUCH",
        "FINDINGS",
        "CONVERSIONS",
    ):
        assert heading in text
    assert "! ≠F" in text and "touch.first_overwritten" in text and "fix:" in text


def test_touch_options_change_the_model(sample_db: Path, cli_env: dict[str, str]) -> None:
    out = run_martech(
        [
            "touch",
            "usr_1075",
            "--db",
            str(sample_db),
            "--json",
            "--last-touch",
            "last_click",
            "--session-timeout",
            "45",
            "--exclude-referrer",
            "paypal.com",
            "--window",
            "30",
        ],
        cli_env,
    )
    assert out.returncode == 0, out.stderr
    config = json.loads(out.stdout)["config"]
    assert (config["last_touch"], config["session_timeout_minutes"]) == ("last_click", 45)
    assert (config["excluded_referrers"], config["window_days"]) == (["paypal.com"], 30)


def test_touch_all_findings_only(sample_db: Path, cli_env: dict[str, str]) -> None:
    out = run_martech(
        ["touch", "--all", "--findings-only", "--db", str(sample_db), "--json"], cli_env
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["schema"] == "martech.touch-scan/1"
    assert (data["people"], data["events"], data["affected"]) == (400, 5420, 3)
    assert {p["person"] for p in data["listed"]} == {
        "usr_1075",
        "usr_1254",
        "817dba09-d05a-42bc-81da-1048a9d0e6d1",
    }
    table = run_martech(
        ["touch", "--all", "--findings-only", "--limit", "2", "--db", str(sample_db)], cli_env
    )
    assert table.returncode == 0
    assert "3 with findings of severity warning or worse" in table.stdout
    assert "2 people with findings listed, most affected first" in table.stdout
    assert len([line for line in table.stdout.splitlines() if "first_overwritten" in line]) == 2


def test_touch_all_on_an_empty_warehouse_says_how_events_get_in(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    empty = tmp_path / "empty.db"
    Warehouse(empty).close()
    out = run_martech(["touch", "--all", "--db", str(empty)], cli_env)
    assert out.returncode == 0, out.stderr
    assert "the warehouse holds no events yet" in out.stdout
    assert "martech collect" in out.stdout and "martech replay" in out.stdout


def test_unknown_user_is_one_line_and_exit_2(sample_db: Path, cli_env: dict[str, str]) -> None:
    out = run_martech(["touch", "nobody", "--db", str(sample_db)], cli_env)
    assert out.returncode == 2
    assert "no events for user nobody in" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_a_missing_warehouse_is_an_error_not_a_new_file(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    missing = tmp_path / "nope.db"
    out = run_martech(["touch", "u1", "--db", str(missing)], cli_env)
    assert out.returncode == 2 and "no warehouse at" in out.stderr
    assert not missing.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["touch"],
        ["touch", "u1", "--all"],
        ["touch", "u1", "--findings-only"],
        ["touch", "u1", "--workers", "2"],
        ["touch", "u1", "--last-touch", "sometimes"],
        ["touch", "u1", "--session-timeout", "0"],
        ["touch", "u1", "--exclude-referrer", ".com"],
        ["attribution", "--conversion", "Order Completed", "--exclude-referrer", " "],
        ["attribution"],
        ["attribution", "--conversion", "Order Completed", "--model", "u_shaped"],
        ["attribution", "--conversion", "Order Completed", "--window", "-3"],
    ],
)
def test_bad_options_exit_2(sample_db: Path, cli_env: dict[str, str], args: list[str]) -> None:
    out = run_martech([*args, "--db", str(sample_db)], cli_env)
    assert out.returncode == 2, out.stdout + out.stderr


def test_attribution_json(sample_db: Path, cli_env: dict[str, str]) -> None:
    out = run_martech(
        [
            "attribution",
            "--conversion",
            "Order Completed",
            "--model",
            "linear",
            "--db",
            str(sample_db),
            "--json",
        ],
        cli_env,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {
        "conversion",
        "model",
        "window_days",
        "last_touch",
        "conversions",
        "people",
        "value",
        "unattributed",
        "channels",
        "campaigns",
    }
    assert data["model"] == "linear" and data["conversions"] > 0
    assert sum(c["conversions"] for c in data["channels"]) == pytest.approx(data["conversions"])
    assert set(data["channels"][0]) == {"channel", "conversions", "value", "share"}


def test_attribution_table_and_unknown_event(sample_db: Path, cli_env: dict[str, str]) -> None:
    out = run_martech(
        [
            "attribution",
            "--conversion",
            "Order Completed",
            "--model",
            "position_based",
            "--window",
            "30",
            "--db",
            str(sample_db),
        ],
        cli_env,
    )
    assert out.returncode == 0, out.stderr
    assert (
        "CHANNELS" in out.stdout
        and "CAMPAIGNS" in out.stdout
        and "lookback 30 days" in (out.stdout)
    )
    missing = run_martech(
        ["attribution", "--conversion", "Order Placed", "--db", str(sample_db)], cli_env
    )
    assert missing.returncode == 2 and "no 'Order Placed' events" in missing.stderr


def test_touch_all_in_two_processes_gives_the_same_result(
    sample_db: Path, cli_env: dict[str, str]
) -> None:
    args = ["touch", "--all", "--findings-only", "--db", str(sample_db), "--json"]
    one = json.loads(run_martech(args, cli_env).stdout)
    two = run_martech([*args, "--workers", "2"], cli_env)
    assert two.returncode == 0, two.stderr
    assert json.loads(two.stdout) == one
