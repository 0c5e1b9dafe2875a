"""``martech validate`` counts every malformed line exactly (only its listing is shortened),
in the table, the JSON and JUnit, and agrees with ``martech replay``; and it reads well."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_martech
from tests.report_helpers import assert_junit_shape

GOOD = (
    '{"type":"page","messageId":"m1","anonymousId":"a1","timestamp":"2026-06-01T10:00:00Z",'
    '"properties":{"url":"https://acme.io/"}}'
)


def test_sixty_malformed_lines_count_sixty_everywhere(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    src = tmp_path / "mixed.ndjson"
    src.write_text("".join(f"{{bad {n}\n" for n in range(60)) + GOOD + "\n")
    table = run_martech(["validate", str(src)], cli_env)
    assert table.returncode == 1
    assert "1 event and 60 malformed lines: 0 good, 1 warn, 60 bad" in table.stdout
    assert "(60 errors, 1 warning, 0 info)" in table.stdout
    assert "event.malformed   error     60" in table.stdout
    assert f"{src}:20\n" in table.stdout and f"{src}:21\n" not in table.stdout
    assert "40 more malformed lines" in table.stdout
    assert f"{src}:1  {src}:1" not in table.stdout  # the file is named once per entry
    data = json.loads(run_martech(["validate", str(src), "--format", "json"], cli_env).stdout)
    assert (data["summary"]["subjects"], data["summary"]["bad"]) == (61, 60)
    assert data["summary"]["codes"][0] == {
        "code": "event.malformed",
        "severity": "error",
        "count": 60,
    }
    assert sum(s.get("count", 1) for s in data["subjects"] if s["kind"] == "line") == 60
    junit = run_martech(["validate", str(src), "--format", "junit"], cli_env).stdout
    suites = {suite.get("name"): suite for suite in assert_junit_shape(junit)}
    assert suites["event.malformed"].get("failures") == "60"


def test_validate_and_replay_agree_on_a_binary_file(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    binary = tmp_path / "blob.ndjson"
    binary.write_bytes(bytes(range(256)).replace(b"\n", b"") * 12 + b"\n" + b"\x00\xff\n" * 89)
    replay = run_martech(["replay", str(binary), "--db", str(tmp_path / "w.db"), "--json"], cli_env)
    malformed = json.loads(replay.stdout)["malformed"]
    assert malformed == 90
    data = json.loads(run_martech(["validate", str(binary), "--format", "json"], cli_env).stdout)
    assert data["summary"]["codes"] == [
        {"code": "event.malformed", "severity": "error", "count": malformed}
    ]
