"""The gate: every path around it, and the policy file's mistakes named by line."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from console.guard import Action, Policy, PolicyError, decide, load_policy

TODAY = date(2026, 12, 3)
POLICY = """
[policy]
blast_radius = 100
tenure_days = 30
braze_test_users = ["qa-ana", "qa-bo"]

[[member]]
login = "ana"
role = "admin"
joined = 2024-02-01

[[member]]
login = "olu"
role = "operator"
joined = 2025-06-01

[[member]]
login = "newbie"
role = "operator"
joined = 2026-11-28

[[member]]
login = "vic"
role = "viewer"
joined = 2023-01-01

[[override]]
sync = "ltv_to_hubspot"
role = "admin"

[[override]]
destination = "braze"
blast_radius = 10
"""
WRITE = Action(
    kind="sync.execute", who="olu", target="people_to_hubspot", destination="hubspot",
    production=True, writes=40, plan_id="abc123def456",
)  # fmt: skip


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    return load_policy(path)


def test_without_a_policy_only_production_writes_are_refused_with_an_example() -> None:
    assert decide(None, replace(WRITE, production=False), TODAY).allowed
    refused = decide(None, WRITE, TODAY)
    assert (refused.allowed, refused.rule) == (False, "policy.missing")
    assert '[[member]]\nlogin = "olu"' in refused.message  # an example to start from


@pytest.mark.parametrize(
    ("change", "rule", "says"),
    [
        ({"who": "mallory"}, "member.unknown", "'mallory' is not a member"),
        ({"who": "vic", "production": False}, "role.viewer", "viewers plan and read"),
        ({"who": "vic"}, "production.operator", "production needs an operator"),
        ({"who": "newbie"}, "production.operator", "joined 2026-11-28, under 30 days ago"),
        ({"target": "ltv_to_hubspot"}, "override.role", "ltv_to_hubspot needs admin"),
        ({"writes": 101}, "blast_radius.admin", "writing 101 records (over 100) needs an admin"),
        ({"writes": 101, "who": "ana"}, "blast_radius.confirm", "--confirm people_to_hubspot:101"),
        ({"writes": 101, "who": "ana", "confirm": "people_to_hubspot:100"},
         "blast_radius.confirm", "got 'people_to_hubspot:100'"),
        ({"writes": 101, "who": "ana", "confirm": "ltv_to_hubspot:101"},
         "blast_radius.confirm", "got 'ltv_to_hubspot:101'"),
        ({"writes": 20, "destination": "braze"}, "blast_radius.admin", "over 10"),
        ({"writes": 30, "deletes": 101}, "deletes.admin", "deleting 101 records"),
    ],
)  # fmt: skip
def test_each_refusal_names_its_rule(policy: Policy, change: dict, rule: str, says: str) -> None:
    decision = decide(policy, replace(WRITE, **change), TODAY)
    assert (decision.allowed, decision.rule) == (False, rule)
    assert says in decision.message


def test_what_is_allowed(policy: Policy) -> None:
    assert decide(policy, WRITE, TODAY).rule == "role.allowed"
    big = replace(WRITE, who="ana", writes=101, confirm="people_to_hubspot:101")
    assert decide(policy, big, TODAY).rule == "blast_radius.confirmed"
    # the newcomer is an operator again once their tenure passes
    assert decide(policy, replace(WRITE, who="newbie"), date(2027, 1, 1)).allowed


def test_a_test_send_reaches_only_allowlisted_users(policy: Policy) -> None:
    send = Action(kind="message.send", who="olu", target="welcome", destination="braze",
                  production=True, recipients=("qa-ana", "qa-bo"))  # fmt: skip
    assert decide(policy, send, TODAY).allowed
    leak = decide(policy, replace(send, recipients=("qa-ana", "ceo@acme.io")), TODAY)
    assert (leak.allowed, leak.rule) == (False, "send.allowlist") and "ceo@acme.io" in leak.message
    assert not decide(policy, replace(send, recipients=()), TODAY).allowed
    assert not decide(None, send, TODAY).allowed


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('role = "viewer"', 'role = "superuser"', "'superuser' is not a role"),
        ("joined = 2023-01-01", 'joined = "last year"', "joined must be a date"),
        ("blast_radius = 100", "blast_radius = -1", "cannot be negative"),
        ("blast_radius = 100", 'blast_radius = "100"', "blast_radius must be a whole number"),
        ("blast_radius = 100", "blast_radius = true", "blast_radius must be a whole number"),
        ('login = "vic"', 'login = "ana"', "'ana' is listed twice"),
        ('sync = "ltv_to_hubspot"', 'sync = "x"\ndestination = "y"', "a sync or a destination"),
        ("tenure_days = 30", "tenure_dayz = 30", "unknown key 'tenure_dayz'"),
        ('braze_test_users = ["qa-ana", "qa-bo"]', "braze_test_users = [1]", "user ids"),
    ],
)
def test_a_bad_policy_names_the_line(tmp_path: Path, old: str, new: str, says: str) -> None:
    assert old in POLICY
    text = POLICY.replace(old, new, 1)
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert says in caught.value.message
    line = int(caught.value.message.split(":")[1])
    assert new.split("\n")[0].split(" ")[0] in text.splitlines()[line - 1] or says.startswith(
        ("'ana' is listed", "a sync or")
    )
