"""``martech events`` as a person reads it: the table shows each event's verdict."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_martech

LANDING = "https://acme.io/?utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=G"


def page(message_id: str, url: str, referrer: str | None = "https://www.google.com/") -> str:
    props = {"url": url, **({"referrer": referrer} if referrer else {})}
    return json.dumps(
        {
            "type": "page",
            "messageId": message_id,
            "anonymousId": f"a-{message_id}",
            "timestamp": "2026-06-01T10:00:00Z",
            "properties": props,
        }
    )


def test_the_table_shows_the_verdict_not_ok_for_a_bad_event(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    src = tmp_path / "e.ndjson"
    lines = [
        page("good-1", LANDING),
        page("warn-1", LANDING, referrer=None),
        page("bad-1", "https://acme.io/?utm_source=Google&utm_medium=cpc&utm_campaign=x"),
        '{"type":"track","event":"X"}',
    ]
    src.write_text("\n".join(lines) + "\n")
    db = str(tmp_path / "w.db")
    run_martech(["replay", str(src), "--db", db], cli_env)
    out = run_martech(["events", "--db", db], cli_env)
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    assert header.split()[-1] == "VERDICT"
    verdicts = {word: row.split()[-1] for row in rows for word in row.split() if word[:2] == "a-"}
    stored = json.loads(run_martech(["events", "--db", db, "--json"], cli_env).stdout)
    assert verdicts == {e["anonymous_id"]: e["verdict"] for e in stored if "anonymous_id" in e}
    assert verdicts["a-bad-1"] == "bad" and "ok" not in verdicts.values()
    assert sum(row.endswith("REJECTED") for row in rows) == 1
