"""``martech validate``: exit codes for CI, and the table, JSON and JUnit reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from console.cli import create_cli
from console.cli.context import AppContext
from console.host import PluginHost
from console.settings import Settings
from tests.conftest import SAMPLE_EVENTS, run_martech
from tests.report_helpers import assert_junit_shape

LANDING = "https://www.acme.io/pricing?utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=C"


def segment_page(message_id: str, url: str = LANDING, **properties: Any) -> dict[str, Any]:
    props = {
        "url": url,
        "referrer": "https://www.google.com/",
        "utm_first_source": "google",
        "utm_first_medium": "cpc",
        "utm_last_source": "google",
        "utm_last_medium": "cpc",
        "utm_last_campaign": "brand",
        **properties,
    }
    return {
        "type": "page",
        "messageId": message_id,
        "anonymousId": f"anon-{message_id}",
        "timestamp": "2026-06-01T10:00:00.000Z",
        "properties": {k: v for k, v in props.items() if v is not None},
    }


def ndjson(path: Path, *records: Any, extra: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + extra)
    return path


@pytest.fixture
def martech(tmp_path: Path, host: PluginHost) -> Any:
    """Invoke the CLI in-process with a fresh warehouse path."""

    def invoke(*args: str) -> Result:
        app = AppContext(Settings(db_path=tmp_path / "wh.db"), host)
        return CliRunner().invoke(create_cli(), list(args), obj=app, catch_exceptions=False)

    return invoke


def test_a_clean_file_exits_0(martech: Any, tmp_path: Path) -> None:
    result = martech("validate", str(ndjson(tmp_path / "ok.ndjson", segment_page("a"))))
    assert result.exit_code == 0, result.output
    assert "1 event: 1 good, 0 warn, 0 bad (0 errors, 0 warnings, 0 info)" in result.output


def test_the_sample_fails_with_every_finding_in_the_table(martech: Any) -> None:
    result = martech("validate", str(SAMPLE_EVENTS))
    assert result.exit_code == 1
    assert "5,420 events: 5,407 good, 3 warn, 10 bad" in result.output
    assert "utm.uppercase             error     8" in result.output
    assert "2c5114f9-1bca-4e9a-80af-d787eb83d5ef" in result.output
    assert "fix: send the referrer on every page view" in result.output


def test_json_has_the_documented_shape(martech: Any) -> None:
    result = martech("validate", str(SAMPLE_EVENTS), "--format", "json")
    data = json.loads(result.output)
    assert set(data) == {"command", "source", "taxonomy", "exit_code", "summary", "subjects"}
    assert data["exit_code"] == result.exit_code == 1
    summary = data["summary"]
    assert (summary["subjects"], summary["bad"], summary["warn"]) == (5420, 10, 3)
    assert summary["findings"] == {"error": 14, "warning": 3, "info": 202}
    assert summary["codes"][0] == {"code": "utm.uppercase", "severity": "error", "count": 8}
    assert sum(summary["channels"].values()) == 5420
    subject = next(s for s in data["subjects"] if s["verdict"] == "bad")
    assert set(subject) == {
        "kind",
        "id",
        "time",
        "label",
        "channel",
        "verdict",
        "findings",
        "details",
    }
    assert {"code", "severity", "message", "hint", "rule"} <= set(subject["findings"][0])


def test_junit_shows_each_error_as_a_failure_and_clean_events_as_passing(martech: Any) -> None:
    result = martech("validate", str(SAMPLE_EVENTS), "--format", "junit")
    root = assert_junit_shape(result.output)
    suites = {suite.get("name"): suite for suite in root}
    assert suites["utm.uppercase"].get("failures") == "8"
    assert suites["referrer.missing"].get("skipped") == "3"
    assert suites["passed"].get("tests") == str(5420 - 13)
    failure = suites["click_id.source_mismatch"][0][0]
    assert failure.get("message", "").startswith("error: gclid is a google click ID")
    assert "what to do:" in (failure.text or "")
    assert root.get("failures") == "14"


def test_strict_makes_warnings_fail(martech: Any, tmp_path: Path) -> None:
    file = ndjson(tmp_path / "warn.ndjson", segment_page("a", referrer=None))
    assert martech("validate", str(file)).exit_code == 0
    strict = martech("validate", str(file), "--strict", "--format", "junit")
    assert strict.exit_code == 1
    assert assert_junit_shape(strict.output).get("failures") == "1"


def test_malformed_and_undecodable_lines_are_errors_with_their_line(
    martech: Any, tmp_path: Path
) -> None:
    file = ndjson(
        tmp_path / "mixed.ndjson",
        segment_page("a"),
        {"type": "page", "messageId": "no-ids"},
        extra="{not json\n",
    )
    result = martech("validate", str(file), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    codes = {f["code"]: s["id"] for s in data["subjects"] for f in s["findings"]}
    assert codes["event.malformed"] == f"{file}:3"
    assert "event.rejected" in codes


def test_the_warehouse_is_validated_with_since_and_campaign(martech: Any, tmp_path: Path) -> None:
    assert martech("replay", str(SAMPLE_EVENTS)).exit_code == 0
    everything = json.loads(martech("validate", "--format", "json").output)
    assert everything["summary"]["subjects"] == 5420
    assert everything["summary"]["findings"]["error"] == 14
    launch = martech("validate", "--campaign", "SUMMER_LAUNCH_2026", "--format", "json")
    data = json.loads(launch.output)
    assert 0 < data["summary"]["subjects"] < 200
    assert {s["id"] for s in data["subjects"]} == {"2eb4144b-9966-4b8b-8c2c-093d772b3d25"}
    late = json.loads(martech("validate", "--since", "2026-09-01", "--format", "json").output)
    assert 0 < late["summary"]["subjects"] < 5420
    assert late["exit_code"] == 0  # the planted mistakes all happened before September


def test_usage_errors_exit_2(martech: Any, tmp_path: Path) -> None:
    file = ndjson(tmp_path / "ok.ndjson", segment_page("a"))
    assert martech("validate", str(file), "--format", "xml").exit_code == 2
    assert martech("validate", str(file), "--db", str(tmp_path / "x.db")).exit_code == 2
    bad = tmp_path / "team.toml"
    bad.write_text('[utm.source]\ncase = "lower"\npattern = "[a-"\n')
    result = martech("validate", str(file), "--taxonomy", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:3: 'utm.source.pattern'" in result.output


def test_the_real_command_reports_a_bad_taxonomy_as_one_line(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    bad = tmp_path / "team.toml"
    bad.write_text("[utm]\nbogus = 1\n")
    result = run_martech(["validate", str(SAMPLE_EVENTS), "--taxonomy", str(bad)], cli_env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: Taxonomy: {bad}:2: unknown key 'bogus' in 'utm' (known: campaign, content, id, "
        "junk, medium, placeholders, require_together, source, term)"
    ]
    cli_env["MARTECH_TAXONOMY"] = str(bad)
    assert run_martech(["replay", str(SAMPLE_EVENTS)], cli_env).returncode == 2
