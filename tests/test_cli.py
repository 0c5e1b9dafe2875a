"""The ``martech`` command as a user runs it: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import run_martech
from tests.thirdparty import install_thirdparty

PAGE = (
    '{"type":"page","messageId":"m1","anonymousId":"a1","timestamp":"2026-06-01T10:00:00Z",'
    '"context":{"page":{"url":"https://acme.io/?utm_source=linkedin&utm_medium=paid_social'
    '&utm_campaign=q3&li_fat_id=f-1","referrer":"https://www.linkedin.com/"}}}'
)
IDENTIFY = (
    '{"type":"identify","messageId":"m2","anonymousId":"a1","userId":"u1",'
    '"timestamp":"2026-06-01T10:05:00Z"}'
)
ORDER = (
    '{"type":"track","messageId":"m3","userId":"u1","event":"Order Completed",'
    '"timestamp":"2026-06-20T10:00:00Z","properties":{"revenue":99}}'
)
OTHER = '{"type":"page","messageId":"m4","anonymousId":"zz","timestamp":"2026-06-02T10:00:00Z"}'


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_version(cli_env: dict[str, str]) -> None:
    out = run_martech(["--version"], cli_env)
    assert out.returncode == 0 and "0.1.0" in out.stdout


def test_plugins_json_lists_builtins_without_secret_values(cli_env: dict[str, str]) -> None:
    cli_env["MARTECH_HUBSPOT_PRIVATE_APP_TOKEN"] = "pat-na1-very-secret"
    out = run_martech(["plugins", "--json"], cli_env)
    assert out.returncode == 0, out.stderr
    listing = json.loads(out.stdout)
    plugins = {p["name"]: p for p in listing["plugins"]}
    assert set(plugins) == {
        "segment", "amplitude", "snowplow", "hubspot", "braze", "hightouch", "meta"
    }  # fmt: skip
    hubspot = plugins["hubspot"]["connectors"][0]
    assert hubspot["display_name"] == "HubSpot"
    assert hubspot["docs_url"].startswith("https://")
    assert hubspot["credentials"][0]["status"] == "env"
    assert plugins["segment"]["connectors"][0]["capabilities"] == ["destination", "source"]
    assert plugins["meta"]["connectors"][0]["capabilities"] == ["destination"]
    assert plugins["hubspot"]["connectors"][0]["capabilities"] == ["destination"]
    assert plugins["braze"]["connectors"][0]["capabilities"] == ["destination"]
    assert plugins["amplitude"]["connectors"][0]["capabilities"] == ["destination", "source"]
    assert plugins["hightouch"]["connectors"][0]["capabilities"] == ["remote"]
    assert "very-secret" not in out.stdout + out.stderr


def test_each_registered_remote_gets_its_command_group(cli_env: dict[str, str]) -> None:
    top = run_martech(["--help"], cli_env)
    assert top.returncode == 0 and "hightouch" in top.stdout
    group = run_martech(["hightouch", "--help"], cli_env)
    assert group.returncode == 0, group.stderr
    assert all(name in group.stdout for name in ("syncs", "trigger", "runs"))


def test_plugins_reports_a_broken_plugin_on_stderr_and_exits_zero(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    site = install_thirdparty(tmp_path / "site")
    cli_env["PYTHONPATH"] = os.pathsep.join([str(site), cli_env.get("PYTHONPATH", "")])
    out = run_martech(["plugins"], cli_env)
    assert out.returncode == 0
    assert (
        "plugin 'broken_import' failed in load: ImportError: acme-sdk is not installed"
        in out.stderr
    )
    assert "Traceback" not in out.stderr
    assert "Acme CDP [acme_cdp]: source" in out.stdout
    hello = run_martech(["acme-hello"], cli_env)
    assert hello.stdout.strip() == "hello from acme"
    cli_env["MARTECH_LOAD_PLUGINS"] = "segment"
    only = json.loads(run_martech(["plugins", "--json"], cli_env).stdout)
    assert [p["name"] for p in only["plugins"]] == ["segment"]


def test_replay_twice_stores_each_event_once(tmp_path: Path, cli_env: dict[str, str]) -> None:
    src = write(tmp_path / "events.ndjson", PAGE, IDENTIFY, ORDER, OTHER)
    db = str(tmp_path / "w.db")
    first = run_martech(["replay", str(src), "--db", db, "--json"], cli_env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["stored"] == 4
    second = json.loads(run_martech(["replay", str(src), "--db", db, "--json"], cli_env).stdout)
    assert (second["stored"], second["duplicates"]) == (0, 4)


def test_events_for_a_user_in_time_order_across_identities(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    src = write(tmp_path / "events.ndjson", ORDER, OTHER, IDENTIFY, PAGE)
    db = str(tmp_path / "w.db")
    run_martech(["replay", str(src), "--db", db], cli_env)
    out = run_martech(["events", "--db", db, "--user", "u1", "--json"], cli_env)
    assert out.returncode == 0, out.stderr
    events = json.loads(out.stdout)
    assert [e["message_id"] for e in events] == ["m1", "m2", "m3"]
    landing = events[0]
    assert landing["campaign"] == {"source": "linkedin", "medium": "paid_social", "name": "q3"}
    assert landing["click_ids"][0]["network"] == "linkedin"
    table = run_martech(["events", "--db", db, "--click-id", "linkedin"], cli_env).stdout
    assert "linkedin/paid_social/q3" in table and "m4" not in table


def test_replay_reports_malformed_lines_and_still_loads_the_rest(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    src = tmp_path / "events.ndjson"
    src.write_bytes(
        (PAGE + "\n{not json\n" + '{"type":"track","event":"X"}\n').encode()
        + b"\xff\xfe\n"
        + ORDER.encode()
        + b"\n"
    )
    db = str(tmp_path / "w.db")
    out = run_martech(["replay", str(src), "--db", db], cli_env)
    assert out.returncode == 1
    assert f"{src}:2: malformed line: invalid JSON" in out.stderr
    assert f"{src}:4: malformed line: not UTF-8" in out.stderr
    assert (
        f"{src}:3: stored as rejected: segment: userId: every message needs userId or anonymousId"
        in out.stderr
    )
    assert "2 malformed" in out.stdout and "3 stored" in out.stdout and "1 rejected" in out.stdout
    rejected = json.loads(
        run_martech(["events", "--db", db, "--rejected", "--json"], cli_env).stdout
    )
    assert rejected[0]["raw"] == {"type": "track", "event": "X"}


def test_bad_input_gives_one_line_errors(tmp_path: Path, cli_env: dict[str, str]) -> None:
    missing = run_martech(
        ["replay", str(tmp_path / "nope.ndjson"), "--db", str(tmp_path / "w.db")], cli_env
    )
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"Error: Bad input: {tmp_path / 'nope.ndjson'} does not exist"
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database " * 200)
    unreadable = run_martech(["events", "--db", str(notes)], cli_env)
    assert unreadable.returncode == 2
    assert "is not a martech-console warehouse" in unreadable.stderr
    assert "Traceback" not in unreadable.stderr
    missing_db = run_martech(["events", "--db", str(tmp_path / "typo.db")], cli_env)
    assert missing_db.returncode == 2 and "no warehouse at" in missing_db.stderr
    assert not (tmp_path / "typo.db").exists()
    unknown = run_martech(["events", "--colour"], cli_env)
    assert unknown.returncode == 2 and "No such option '--colour'" in unknown.stderr
    since = run_martech(["events", "--since", "last tuesday"], cli_env)
    assert since.returncode == 2 and "neither ISO-8601" in since.stderr
    fmt = run_martech(["replay", str(notes), "--format", "csv"], cli_env)
    assert fmt.returncode == 2 and "unknown format 'csv'" in fmt.stderr


def test_replay_reads_stdin(tmp_path: Path, cli_env: dict[str, str]) -> None:
    out = run_martech(
        ["replay", "-", "--db", str(tmp_path / "w.db"), "--json"],
        cli_env,
        stdin=(PAGE + "\n").encode(),
    )
    assert json.loads(out.stdout)["stored"] == 1


def test_default_warehouse_lives_in_the_user_data_dir(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    src = write(tmp_path / "e.ndjson", PAGE)
    assert run_martech(["replay", str(src)], cli_env).returncode == 0
    assert (tmp_path / "data" / "martech-console" / "warehouse.db").exists()


def test_printed_tables_never_pass_a_senders_control_codes_to_the_terminal(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    title = '"Checkout \\u001b]2;PWNED\\u0007 ok\\r\\nnext"'
    hostile = (
        '{"type":"track","messageId":"x1","userId":"u\\u001b[31mred","event":' + title + ","
        '"timestamp":"2026-06-01T10:00:00Z"}'
    )
    db = str(tmp_path / "w.db")
    run_martech(["replay", str(write(tmp_path / "x.ndjson", hostile)), "--db", db], cli_env)
    table = run_martech(["events", "--db", db], cli_env)
    assert table.returncode == 0, table.stderr
    assert "\x1b" not in table.stdout and "\x07" not in table.stdout and "\r" not in table.stdout
    assert "Checkout \\x1b]2;PWNED\\x07 ok\\r\\nnext" in table.stdout
    report = run_martech(["touch", "u\x1b[31mred", "--db", db], cli_env)
    assert report.returncode == 0, report.stderr
    assert "\x1b" not in report.stdout and "Person u\\x1b[31mred" in report.stdout
