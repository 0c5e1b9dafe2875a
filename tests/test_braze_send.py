"""``martech braze send``: a test message to named users, dry run by default, and with
``--execute`` through the guardrails (every recipient on the policy's braze_test_users,
checked before any request is built) against the Braze fake on a real loopback server,
which records who received what; every attempt audited, the API key never shown."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from martech_braze.messages import render
from martech_braze.sandbox import BrazeFake

from console import Fault, MessageSend
from console.cli import create_cli
from console.cli.context import AppContext
from console.guard.audit import opened
from console.guard.flow import who_am_i
from console.host import PluginHost
from console.sandbox import Sandbox
from console.settings import Settings
from tests.braze_helpers import KEY
from tests.conftest import MemoryKeyring

ME = who_am_i()
TEST_USERS = ("qa-ana", "qa-bo")
EMAIL = {"email": {"app_id": "app-1", "subject": "Hello", "from": "QA <qa@acme.io>",
                   "body": "<p>Test</p>"}}  # fmt: skip

# The fields Braze documents for each body (braze.com/docs/api/endpoints/messaging/
# send_messages/post_send_triggered_campaigns, .../post_send_messages, and the recipient
# object): what we send must stay within them.
DOCUMENTED = {
    "/campaigns/trigger/send": {"campaign_id", "send_id", "trigger_properties", "broadcast",
                                "audience", "recipients"},
    "/canvas/trigger/send": {"canvas_id", "canvas_entry_properties", "broadcast", "audience",
                             "recipients"},
    "/messages/send": {"broadcast", "external_user_ids", "user_aliases", "segment_id",
                       "audience", "campaign_id", "send_id", "override_frequency_capping",
                       "recipient_subscription_state", "messages"},
}  # fmt: skip
RECIPIENT = {"user_alias", "external_user_id", "braze_id", "email", "prioritization",
             "trigger_properties", "canvas_entry_properties", "send_to_existing_only",
             "attributes"}  # fmt: skip


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(PluginHost().discover()) as running:
        yield running


@pytest.fixture
def workdir(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> Path:
    monkeypatch.setenv("MARTECH_BRAZE_BASE_URL", sandbox.base_url("braze"))
    monkeypatch.setenv("MARTECH_BRAZE_REST_API_KEY", KEY)
    monkeypatch.setenv("MARTECH_BRAZE_REST_ENDPOINT", "US-01")  # the sandbox URL wins
    return tmp_path


def martech(workdir: Path, *args: str, role: str | None = None,
            users: tuple[str, ...] = TEST_USERS) -> Result:  # fmt: skip
    """``martech`` with a policy naming this login as ``role`` (None: no policy file)."""
    policy = None
    if role is not None:
        policy = workdir / "policy.toml"
        listed = ", ".join(f'"{u}"' for u in users)
        policy.write_text(f"[policy]\nbraze_test_users = [{listed}]\n\n[[member]]\n"
                          f'login = "{ME}"\nrole = "{role}"\njoined = 2020-01-01\n')  # fmt: skip
    settings = Settings(db_path=workdir / "warehouse.db", policy_path=policy)
    return CliRunner().invoke(create_cli(), list(args),
                              obj=AppContext(settings, PluginHost().discover()))  # fmt: skip


def fake_of(sandbox: Sandbox) -> BrazeFake:
    fake = sandbox.app.fakes["braze"]
    assert isinstance(fake, BrazeFake)
    return fake


def audit_rows(workdir: Path) -> list[tuple[Any, ...]]:
    with opened(workdir / "warehouse.db") as audit:
        return [(e.action, e.target, e.destination, e.decision, e.rule, e.counts)
                for e in audit.entries()]  # fmt: skip


def message_file(workdir: Path, content: Any = EMAIL) -> str:
    path = workdir / "message.json"
    path.write_text(json.dumps(content))
    return str(path)


def to(*users: str) -> list[str]:
    return [arg for user in users for arg in ("--to", user)]


@pytest.mark.parametrize(
    ("what", "path", "content"),
    [
        (["--campaign", "cmp-1"], "/campaigns/trigger/send", {"campaign_id": "cmp-1"}),
        (["--canvas", "cnv-9"], "/canvas/trigger/send", {"canvas_id": "cnv-9"}),
        (["--message-file"], "/messages/send", {"messages": EMAIL}),
    ],
)
def test_a_send_to_allowlisted_users_reaches_exactly_them_and_is_audited(
    workdir: Path, sandbox: Sandbox, what: list[str], path: str, content: dict[str, Any]
) -> None:
    if what == ["--message-file"]:
        what = [*what, message_file(workdir)]
    result = martech(workdir, "braze", "send", *what, *to("qa-ana", "qa-bo", "qa-ana"),
                     "--execute", role="operator")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "to 2 test users (qa-ana, qa-bo): dispatch dispatch-0001" in result.output
    assert fake_of(sandbox).state()["sends"] == [
        {"path": path, "to": ["qa-ana", "qa-bo"], **content, "dispatch_id": "dispatch-0001"}
    ]
    target = "message" if path == "/messages/send" else " ".join(what).removeprefix("--")
    assert audit_rows(workdir) == [
        ("message.send", target, "braze", "allowed", "send.allowlist", {"recipients": 2})
    ]


def test_one_recipient_beyond_the_allowlist_refuses_the_whole_send(
    workdir: Path, sandbox: Sandbox
) -> None:
    result = martech(workdir, "braze", "send", "--campaign", "cmp-1",
                     *to("qa-ana", "ceo@acme.io"), "--execute", role="admin")  # fmt: skip
    assert result.exit_code == 2
    assert "reaches only the policy's braze_test_users; not: ceo@acme.io" in result.output
    assert "[rule send.allowlist]" in result.output
    assert fake_of(sandbox).state() == {"users": {}, "requests": 0, "sends": []}
    assert audit_rows(workdir) == [("message.send", "campaign cmp-1", "braze", "refused",
                                    "send.allowlist", {"recipients": 2})]  # fmt: skip


def test_without_a_policy_a_send_is_refused_with_how_to_write_one(
    workdir: Path, sandbox: Sandbox
) -> None:
    result = martech(workdir, "braze", "send", "--campaign", "cmp-1", *to("qa-ana"), "--execute")
    assert result.exit_code == 2 and "[rule policy.missing]" in result.output
    assert 'braze_test_users = ["qa-ana"]' in result.output  # the example fits the send
    assert fake_of(sandbox).state()["requests"] == 0
    assert audit_rows(workdir)[0][3:5] == ("refused", "policy.missing")


def test_a_viewer_never_sends_even_to_test_users(workdir: Path, sandbox: Sandbox) -> None:
    result = martech(workdir, "braze", "send", "--campaign", "cmp-1", *to("qa-ana"),
                     "--execute", role="viewer")  # fmt: skip
    assert result.exit_code == 2 and "viewers never send" in result.output
    assert fake_of(sandbox).state()["requests"] == 0
    assert audit_rows(workdir)[0][3:5] == ("refused", "role.viewer")


def test_a_dry_run_prints_the_exact_request_with_the_key_masked_and_sends_nothing(
    workdir: Path, sandbox: Sandbox
) -> None:
    result = martech(workdir, "braze", "send", "--message-file", message_file(workdir),
                     *to("qa-ana", "stranger"), role="operator")  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("dry run: nothing was sent")
    assert lines[1] == f"POST {sandbox.base_url('braze')}/messages/send"
    assert "Authorization: Bearer ****" in lines and KEY not in result.output
    assert '"external_user_ids": [' in result.output and '"subject": "Hello"' in result.output
    assert "with --execute: REFUSED" in result.output and "not: stranger" in result.output
    assert fake_of(sandbox).state()["requests"] == 0
    assert audit_rows(workdir) == []  # a dry run writes nothing, not even to the audit


def test_json_for_the_dry_run_and_the_send(workdir: Path, sandbox: Sandbox) -> None:
    dry = martech(workdir, "braze", "send", "--campaign", "cmp-1", *to("qa-bo"), "--json",
                  role="operator")  # fmt: skip
    assert dry.exit_code == 0, dry.output
    shown = json.loads(dry.output)
    assert shown["dry_run"] is True and shown["gate"]["allowed"] is True
    request = shown["request"]
    assert request["url"] == f"{sandbox.base_url('braze')}/campaigns/trigger/send"
    assert request["headers"]["Authorization"] == "Bearer ****"
    assert request["json"] == {"campaign_id": "cmp-1", "broadcast": False,
                               "recipients": [{"external_user_id": "qa-bo"}]}  # fmt: skip
    assert request["recipients"] == ["qa-bo"]
    sent = martech(workdir, "braze", "send", "--campaign", "cmp-1", *to("qa-bo"), "--json",
                   "--execute", role="operator")  # fmt: skip
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.output) == {"sent": True, "dispatch_id": "dispatch-0001",
                                       "recipients": ["qa-bo"], "request": request}  # fmt: skip
    assert KEY not in dry.output + sent.output


def test_a_key_braze_refuses_is_a_refusal_audited_without_the_key(
    workdir: Path, sandbox: Sandbox
) -> None:
    sandbox.app.inject("braze", Fault("unauthorized"))
    result = martech(workdir, "braze", "send", "--campaign", "cmp-1", *to("qa-ana"),
                     "--execute", role="operator")  # fmt: skip
    assert result.exit_code == 2
    assert "braze refused the credentials (401" in result.output
    assert "[rule send.refused]" in result.output and KEY not in result.output
    assert fake_of(sandbox).state()["sends"] == []
    [row] = audit_rows(workdir)
    assert row[3:5] == ("refused", "send.refused")
    with opened(workdir / "warehouse.db") as audit:
        assert all(KEY not in e.message for e in audit.entries())


def test_a_send_that_fails_on_the_way_is_not_sent_twice(workdir: Path, sandbox: Sandbox) -> None:
    sandbox.app.inject("braze", Fault("server_error", status=503))
    result = martech(workdir, "braze", "send", "--campaign", "cmp-1", *to("qa-ana"),
                     "--execute", role="operator")  # fmt: skip
    assert result.exit_code == 2 and "braze answered 503" in result.output
    assert fake_of(sandbox).state()["requests"] == 1  # once: a retry could send it twice
    assert audit_rows(workdir)[0][3:5] == ("refused", "send.refused")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--campaign", "c", "--canvas", "v"], "got --campaign, --canvas"),
        ([], "none given"),
        (["--message-file", "MISSING"], "cannot read"),
        (["--message-file", "SEGMENT"], "names an audience (segment_id)"),
        (["--message-file", "LIST"], 'holds Braze\'s "messages" object'),
    ],
)
def test_bad_options_say_what_to_fix_and_send_nothing(
    workdir: Path, sandbox: Sandbox, args: list[str], said: str
) -> None:
    files = {"MISSING": str(workdir / "nope.json"),
             "SEGMENT": message_file(workdir, {**EMAIL, "segment_id": "everyone"})}  # fmt: skip
    if "LIST" in args:
        files["LIST"] = message_file(workdir, [EMAIL])
    args = [files.get(a, a) for a in args]
    result = martech(workdir, "braze", "send", *args, *to("qa-ana"), "--execute", role="admin")
    assert result.exit_code == 2 and said in result.output, result.output
    assert fake_of(sandbox).state()["requests"] == 0


def test_more_than_braze_s_fifty_recipients_is_refused_before_the_gate(workdir: Path) -> None:
    users = tuple(f"qa-{i}" for i in range(51))
    result = martech(workdir, "braze", "send", "--campaign", "c", *to(*users), "--execute",
                     role="admin", users=users)  # fmt: skip
    assert result.exit_code == 2 and "at most 50 users at once; got 51" in result.output
    assert audit_rows(workdir) == []


def test_the_instance_comes_from_the_rest_endpoint_as_for_syncs(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MARTECH_BRAZE_BASE_URL")
    monkeypatch.setenv("MARTECH_BRAZE_REST_ENDPOINT", "EU-01")
    result = martech(workdir, "braze", "send", "--canvas", "cnv-1", *to("qa-ana"), "--json")
    assert result.exit_code == 0, result.output
    url = json.loads(result.output)["request"]["url"]
    assert url == "https://rest.fra-01.braze.eu/canvas/trigger/send"


@pytest.mark.parametrize(
    "send",
    [
        MessageSend("campaign", TEST_USERS, ref="cmp-1"),
        MessageSend("canvas", TEST_USERS, ref="cnv-1"),
        MessageSend("message", TEST_USERS, messages=EMAIL),
    ],
)
def test_every_body_stays_within_braze_s_documented_fields(send: MessageSend) -> None:
    request = render(send)
    assert request.json is not None and set(request.json) <= DOCUMENTED[request.path]
    assert request.json["broadcast"] is False  # never everyone
    for recipient in request.json.get("recipients", []):
        assert set(recipient) <= RECIPIENT
    assert request.retry_safe is False
