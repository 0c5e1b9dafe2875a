"""Hightouch as a remote: the requests we send and the answers we read against the
transcribed schema, the client's retries and redaction, and ``martech hightouch`` through
the guardrails against an in-process sandbox (the gate, the audit, following each end)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from martech_hightouch.remote import hightouch_remote
from martech_hightouch.sandbox import HightouchFake

from console import Fault, SandboxRequest, SandboxResponse, TriggerOptions
from console.cli import create_cli
from console.cli.context import AppContext
from console.errors import AuthError, RateLimitError, RemoteError
from console.guard.audit import opened
from console.guard.flow import who_am_i
from console.host import PluginHost
from console.remote import RemoteClient, follow
from console.sandbox import Sandbox
from console.settings import Settings
from console.sync.execute import ExecuteOptions
from tests.hightouch_helpers import KEY, Clock, check
from tests.waiting import wait_for

REMOTE = hightouch_remote()


# -- the requests and the readers -----------------------------------------------------------


@pytest.mark.parametrize("full_resync", [False, True])
def test_a_trigger_always_sends_every_flag_and_follows_the_schema(full_resync: bool) -> None:
    request = REMOTE.trigger("101", TriggerOptions(full_resync=full_resync))
    assert (request.method, request.path) == ("POST", "/syncs/101/trigger")
    assert request.json == {"fullResync": full_resync, "resetCDC": False, "clearAndFill": False}
    check("TriggerRunInput", request.json)
    assert request.retry_safe is False  # a second send would start a second run


def test_list_and_runs_requests_use_the_spec_s_parameters() -> None:
    assert REMOTE.list_syncs(None).path == "/syncs?limit=100&offset=0&orderBy=id"
    assert REMOTE.list_syncs("200").path == "/syncs?limit=100&offset=200&orderBy=id"
    assert REMOTE.runs("101", "9001").path == "/syncs/101/runs?runId=9001"
    assert REMOTE.auth_headers({"workspace_api_key": "k"}) == {"Authorization": "Bearer k"}


# -- the client against the fake, without a server -------------------------------------------


def transport(fake: HightouchFake, echo_key_on: int | None = None) -> httpx.MockTransport:
    """The fake behind httpx; ``echo_key_on``: answer that status echoing the request's
    Authorization header, as a careless proxy might (for redaction)."""

    def handle(request: httpx.Request) -> httpx.Response:
        if echo_key_on:
            message = f"bad gateway for {request.headers['authorization']}"
            return httpx.Response(echo_key_on, json={"error": message})
        answer = fake.handle(SandboxRequest(
            request.method, request.url.path, dict(request.url.params),
            {k.lower(): v for k, v in request.headers.items()}, request.content,
        ))  # fmt: skip
        return httpx.Response(answer.status, content=answer.body, headers=dict(answer.headers))

    return httpx.MockTransport(handle)


async def with_client(fake: HightouchFake, work: Any, clock: Clock | None = None,
                      echo_key_on: int | None = None) -> Any:  # fmt: skip
    clock = clock or Clock()
    async with httpx.AsyncClient(transport=transport(fake, echo_key_on)) as http:
        client = RemoteClient(REMOTE, {"workspace_api_key": KEY}, http, base_url="http://ht",
                              options=ExecuteOptions(attempts=3), sleep=clock.sleep,
                              clock=clock)  # fmt: skip
        return await work(client)


async def test_the_client_reads_every_page_and_finds_by_id_or_slug() -> None:
    fake = HightouchFake(syncs=150)

    async def work(client: RemoteClient) -> Any:
        return await client.syncs(), await client.find("orders-to-hubspot"), client

    syncs, found, client = await with_client(fake, work)
    assert len(syncs) == 154 and len({s.id for s in syncs}) == 154
    assert client.requests_sent == 4  # two pages, twice
    assert (found.id, found.model, found.destination) == ("103", "13", "23")
    with pytest.raises(RemoteError, match="no sync 'nope'"):
        await with_client(fake, lambda c: c.find("nope"))


async def test_429_and_5xx_are_retried_after_what_the_vendor_asked() -> None:
    fake, clock = HightouchFake(), Clock()
    fake.inject(Fault("rate_limit", retry_after=7))
    fake.inject(Fault("server_error", status=503))
    syncs = await with_client(fake, lambda c: c.syncs(), clock)
    assert len(syncs) == 4
    assert clock.slept == [7.0, 1.0]  # Retry-After, then the first backoff


async def test_retries_spent_and_refused_keys_are_errors_without_the_key() -> None:
    fake = HightouchFake()
    fake.inject(Fault("rate_limit", count=3))
    with pytest.raises(RateLimitError, match="still rate limiting after 3 tries"):
        await with_client(fake, lambda c: c.syncs())
    fake.inject(Fault("unauthorized"))
    with pytest.raises(AuthError, match="refused the credentials"):
        await with_client(fake, lambda c: c.syncs())
    with pytest.raises(RemoteError) as caught:
        await with_client(fake, lambda c: c.syncs(), echo_key_on=400)
    assert KEY not in str(caught.value) and "****" in str(caught.value)


async def test_a_trigger_that_times_out_is_not_sent_again() -> None:
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ReadTimeout("slow", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handle)) as http:
        client = RemoteClient(REMOTE, {"workspace_api_key": KEY}, http, base_url="http://ht")
        with pytest.raises(RemoteError, match="not sent again"):
            await client.trigger("101", TriggerOptions())
    assert calls == ["/syncs/101/trigger"]


@pytest.mark.parametrize("fault", ["run_stuck", None])
async def test_follow_stops_at_the_end_or_at_the_timeout(fault: str | None) -> None:
    fake, clock = HightouchFake(), Clock()
    if fault:
        fake.inject(Fault(fault))
    seen: list[str] = []

    async def work(client: RemoteClient) -> Any:
        run_id = await client.trigger("101", TriggerOptions())
        return await follow(client, "101", run_id, interval=5, timeout=12, sleep=clock.sleep,
                            clock=clock, on_change=lambda r: seen.append(r.status))  # fmt: skip

    followed = await with_client(fake, work, clock)
    if fault:
        assert followed.timed_out and seen == ["queued"] and sum(clock.slept) == 12
    else:
        assert followed.succeeded and seen == ["querying", "processing", "reporting", "success"]
        assert followed.run.successful == {"added": 120, "changed": 14, "removed": 2}


async def test_follow_rides_out_a_failing_poll_but_not_a_refused_key() -> None:
    fake, clock = HightouchFake(), Clock()

    async def work(client: RemoteClient) -> Any:
        run_id = await client.trigger("101", TriggerOptions())
        fake.inject(Fault("server_error", count=3))  # one whole poll, its retries spent
        return await follow(client, "101", run_id, interval=1, sleep=clock.sleep, clock=clock)

    assert (await with_client(fake, work, clock)).succeeded
    fake.inject(Fault("unauthorized"))
    with pytest.raises(AuthError):
        await with_client(fake, lambda c: follow(c, "101", "9001", sleep=clock.sleep,
                                                 clock=clock))  # fmt: skip


# -- the CLI through the gate, against the sandbox --------------------------------------------

ME = who_am_i()


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(PluginHost().discover()) as running:
        yield running


@pytest.fixture
def workdir(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MARTECH_HIGHTOUCH_BASE_URL", sandbox.base_url("hightouch"))
    monkeypatch.setenv("MARTECH_HIGHTOUCH_WORKSPACE_API_KEY", KEY)
    return tmp_path


def martech(workdir: Path, *args: str, role: str | None = None) -> Result:
    policy = None
    if role is not None:
        policy = workdir / "policy.toml"
        policy.write_text(f'[[member]]\nlogin = "{ME}"\nrole = "{role}"\njoined = 2020-01-01\n')
    settings = Settings(db_path=workdir / "warehouse.db", policy_path=policy)
    return CliRunner().invoke(create_cli(), list(args),
                              obj=AppContext(settings, PluginHost().discover()))  # fmt: skip


def fake_of(sandbox: Sandbox) -> HightouchFake:
    fake = sandbox.app.fakes["hightouch"]
    assert isinstance(fake, HightouchFake)
    return fake


def triggers(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [r for r in fake_of(sandbox).state()["requests"] if r["method"] == "POST"]


def audit_rows(workdir: Path) -> list[tuple[str, str, str, bool, int | None]]:
    with opened(workdir / "warehouse.db") as audit:
        return [(e.decision, e.rule, e.target, e.production, e.run_id)
                for e in audit.entries()]  # fmt: skip


def test_syncs_and_runs_list_what_the_remote_holds(workdir: Path, sandbox: Sandbox) -> None:
    listed = martech(workdir, "hightouch", "syncs", "--json")
    assert listed.exit_code == 0, listed.output
    slugs = [s["slug"] for s in json.loads(listed.output)["syncs"]]
    assert slugs == ["people-to-salesforce", "audiences-to-braze", "orders-to-hubspot",
                     "leads-to-facebook"]  # fmt: skip
    table = martech(workdir, "hightouch", "syncs")
    assert "ID" in table.output and "LAST RUN" in table.output and "never" in table.output
    assert martech(workdir, "hightouch", "runs", "101", "--json").exit_code == 0
    unknown = martech(workdir, "hightouch", "runs", "nope")
    assert unknown.exit_code == 2 and "no sync 'nope'" in unknown.output


def test_a_viewer_s_trigger_is_refused_audited_and_never_sent(
    workdir: Path, sandbox: Sandbox
) -> None:
    result = martech(workdir, "hightouch", "trigger", "people-to-salesforce", role="viewer")
    assert result.exit_code == 2, result.output
    assert "writing to production needs an operator" in result.output
    assert audit_rows(workdir) == [
        ("refused", "production.operator", "people-to-salesforce", True, None)
    ]
    assert triggers(sandbox) == []


def test_without_a_policy_a_trigger_is_refused_like_a_production_sync(
    workdir: Path, sandbox: Sandbox
) -> None:
    result = martech(workdir, "hightouch", "trigger", "101")
    assert result.exit_code == 2 and "[rule policy.missing]" in result.output
    assert audit_rows(workdir) == [("refused", "policy.missing", "people-to-salesforce", True,
                                    None)]  # fmt: skip
    assert triggers(sandbox) == []


def test_an_operator_s_trigger_is_sent_with_every_flag_and_audited_with_its_run(
    workdir: Path, sandbox: Sandbox
) -> None:
    result = martech(workdir, "hightouch", "trigger", "audiences-to-braze", "--full-resync",
                     "--json", role="operator")  # fmt: skip
    assert result.exit_code == 0, result.output
    run = json.loads(result.output)["run"]
    [sent] = triggers(sandbox)
    assert sent["path"] == "/syncs/102/trigger"
    assert json.loads(sent["body"]) == {"fullResync": True, "resetCDC": False,
                                        "clearAndFill": False}  # fmt: skip
    check("TriggerRunInput", json.loads(sent["body"]))
    assert audit_rows(workdir) == [("allowed", "role.allowed", "audiences-to-braze", True,
                                    int(run))]  # fmt: skip


@pytest.mark.parametrize(
    ("fault", "code", "said"),
    [
        (None, 0, "success: 136 rows written, 0 failed"),
        ("run_warning", 1, "warning"),
        ("run_failed", 1, "failed"),
        ("run_cancelled", 1, "cancelled"),
        ("run_interrupted", 1, "interrupted"),
        ("run_stuck", 1, "still queued after 0 s"),
    ],
)
def test_wait_follows_the_run_to_its_end_and_exits_by_it(
    workdir: Path, sandbox: Sandbox, fault: str | None, code: int, said: str
) -> None:
    if fault:
        sandbox.app.inject("hightouch", Fault(fault))
    timeout = "0" if fault == "run_stuck" else "3600"
    result = martech(workdir, "hightouch", "trigger", "101", "--wait", "--poll", "0",
                     "--timeout", timeout, role="admin")  # fmt: skip
    assert result.exit_code == code, result.output
    assert said in result.output
    if fault != "run_stuck":
        assert "run 9001: processing  planned +120 ~14 -2" in result.output  # progress


def test_the_key_is_in_no_output_audit_or_warehouse_even_when_the_vendor_echoes_it(
    workdir: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok = martech(workdir, "hightouch", "trigger", "101", "--wait", "--poll", "0", role="admin")
    assert ok.exit_code == 0, ok.output
    sandbox.app.inject("hightouch", Fault("unauthorized"))
    refused = martech(workdir, "hightouch", "syncs")
    assert refused.exit_code == 2 and "refused the credentials (401" in refused.output
    echo = SandboxResponse.json(400, {"error": f"no such workspace for key {KEY}"})
    monkeypatch.setattr(fake_of(sandbox), "_trigger", lambda sync, raw: echo)
    echoed = martech(workdir, "hightouch", "trigger", "102", role="admin")
    assert echoed.exit_code == 2 and "no such workspace for key ****" in echoed.output
    with opened(workdir / "warehouse.db") as audit:
        assert "key ****" in audit.entries()[0].message
    for result in (ok, refused, echoed):
        assert KEY not in result.output
    assert KEY.encode() not in (workdir / "warehouse.db").read_bytes()
    for suffix in ("-wal", "-shm"):
        extra = workdir / f"warehouse.db{suffix}"
        assert not extra.exists() or KEY.encode() not in extra.read_bytes()


def test_a_trigger_the_remote_refuses_is_audited_as_such(workdir: Path) -> None:
    result = martech(workdir, "hightouch", "trigger", "leads-to-facebook", role="operator")
    assert result.exit_code == 2 and "is disabled" in result.output
    assert audit_rows(workdir) == [("refused", "remote.refused", "leads-to-facebook", True,
                                    None)]  # fmt: skip


@pytest.mark.parametrize("fault", [None, "unauthorized"])
def test_a_trigger_of_an_unknown_sync_or_with_a_bad_key_is_audited_as_refused(
    workdir: Path, sandbox: Sandbox, fault: str | None
) -> None:
    """docs/guardrails.md: a bad key or an unknown sync is audited under remote.refused."""
    if fault:
        sandbox.app.inject("hightouch", Fault(fault))
    target = "people-to-salesforce" if fault else "people-to-salesforse"
    result = martech(workdir, "hightouch", "trigger", target, role="operator")
    assert result.exit_code == 2, result.output
    assert audit_rows(workdir) == [("refused", "remote.refused", target, True, None)]
    assert triggers(sandbox) == []
    with opened(workdir / "warehouse.db") as audit:
        assert KEY not in audit.entries()[0].message


def test_ctrl_c_while_following_a_run_says_it_goes_on_in_hightouch(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Ctrl+C stops only the following: the run is Hightouch's, the way back is named."""
    sandbox.app.inject("hightouch", Fault("run_stuck"))
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[[member]]\nlogin = "{ME}"\nrole = "operator"\njoined = 2020-01-01\n')
    env = {**cli_env, "MARTECH_HIGHTOUCH_BASE_URL": sandbox.base_url("hightouch"),
           "MARTECH_HIGHTOUCH_WORKSPACE_API_KEY": KEY,
           "MARTECH_DB": str(tmp_path / "w.db")}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "hightouch", "trigger", "people-to-salesforce",
         "--wait", "--poll", "0.2", "--policy", str(policy)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        wait_for(lambda: len([r for r in fake_of(sandbox).state()["requests"]
                              if r["method"] == "GET" and "runs" in r["path"]]) >= 2)  # fmt: skip
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 1, err
    assert "Traceback" not in err and "Aborted!" not in err
    assert "goes on in hightouch" in err
    assert "martech hightouch runs people-to-salesforce" in err
