"""What the CLI and the collector say reads right: credentials, a garbage body, hints."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from console.collector import Collector
from tests.conftest import run_martech


def test_plugins_say_whether_each_credential_is_set_and_where_from(
    cli_env: dict[str, str],
) -> None:
    cli_env["MARTECH_HUBSPOT_PRIVATE_APP_TOKEN"] = "pat-secret"
    out = run_martech(["plugins"], cli_env)
    assert out.returncode == 0, out.stderr
    assert "credential private_app_token: set (from MARTECH_HUBSPOT_PRIVATE_APP_TOKEN)" in (
        out.stdout
    )
    assert (
        "credential api_key: not set (put it in the keyring or MARTECH_AMPLITUDE_API_KEY)"
        in out.stdout
    )
    assert "(env " not in out.stdout and "pat-secret" not in out.stdout


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        ("/v1/batch", b"garbage", "Invalid JSON"),
        ("/v1/track", b"\x00\x01 not json", "Invalid JSON"),
        ("/v1/batch", b"", "Empty body"),
        ("/v1/batch", b'{"batch": 5}', "Invalid request"),
    ],
)
def test_a_garbage_segment_body_is_named_for_what_it_is(
    collector: Collector, path: str, body: bytes, error: str
) -> None:
    response = httpx.post(f"{collector.url}{path}", content=body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == error and answer["success"] is False
    assert "missing" not in json.dumps(answer)
    assert answer["message"]


def test_the_uppercase_hint_fits_a_medium(tmp_path: Path, cli_env: dict[str, str]) -> None:
    page = {
        "type": "page",
        "messageId": "m1",
        "anonymousId": "a1",
        "timestamp": "2026-06-01T10:00:00Z",
        "properties": {
            "url": "https://acme.io/?utm_source=google&utm_medium=CPC&utm_campaign=x",
            "referrer": "",
        },
    }
    src = tmp_path / "e.ndjson"
    src.write_text(json.dumps(page) + "\n")
    out = run_martech(["validate", str(src), "--format", "json"], cli_env)
    findings = [f for s in json.loads(out.stdout)["subjects"] for f in s["findings"]]
    upper = next(f for f in findings if f["code"] == "utm.uppercase")
    assert upper["field"] == "utm_medium"
    assert "sources" not in upper["hint"] and "lowercase" in upper["hint"]
