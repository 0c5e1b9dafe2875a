"""The sample's feature-usage sync says what the events say: counted here straight from the
file (identities stitched by hand), not through the warehouse's tables."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, SAMPLE_EVENTS, run_martech

SYNCS = ROOT / "sample_data" / "syncs.toml"


def usage_from_the_file() -> tuple[dict[str, Counter[str]], dict[str, str], dict[str, str]]:
    """Per userId: uses per feature, the last use's timestamp, and the email."""
    messages = [json.loads(line) for line in SAMPLE_EVENTS.read_text().splitlines()]
    user_of: dict[str, str] = {}
    for message in messages:
        if message.get("userId"):
            user_of[message["anonymousId"]] = message["userId"]
        if message["type"] == "alias":
            user_of[message["previousId"]] = message["userId"]
    uses: dict[str, Counter[str]] = defaultdict(Counter)
    last: dict[str, str] = {}
    email: dict[str, str] = {}
    for message in messages:
        user = message.get("userId") or user_of.get(message["anonymousId"])
        if message["type"] == "identify" and "email" in message.get("traits", {}):
            email[message["userId"]] = message["traits"]["email"]
        if user and message.get("event") == "Feature Used":
            uses[user][message["properties"]["feature"]] += 1
            last[user] = max(last.get(user, ""), message["timestamp"])
    return uses, last, email


def test_feature_usage_reaches_hubspot_as_the_events_count_it(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    db = tmp_path / "warehouse.db"
    env = {**cli_env, "MARTECH_DB": str(db), "MARTECH_SYNCS": str(SYNCS)}
    assert run_martech(["replay", str(SAMPLE_EVENTS)], env).returncode == 0
    planned = run_martech(["sync", "plan", "feature_usage_to_hubspot", "--json"], env)
    assert planned.returncode == 0, planned.stderr
    changes: list[dict[str, Any]] = json.loads(planned.stdout)["changes"]

    uses, last, email = usage_from_the_file()
    expected = {user for user in uses if user in email}
    assert {change["key"] for change in changes} == expected and len(expected) > 100
    for change in changes:
        fields, counted = change["fields"], uses[change["key"]]
        assert change["match"] == email[change["key"]]
        assert fields["martech_features_used"] == sum(counted.values())
        assert fields["martech_top_feature_uses"] == max(counted.values())
        assert counted[fields["martech_top_feature"]] == max(counted.values())
        assert fields["martech_last_feature_used_at"] == last[change["key"]][:19] + "Z"
