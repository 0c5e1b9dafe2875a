"""``martech reconcile``: each vendor's view read back from its sandbox fake over real
loopback HTTP, compared person by person with the events and with what the syncs sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from martech_hubspot.sources import CATEGORIES, OTHER_CAMPAIGN_CHANNELS, requests

from console import Fault, VendorTouch
from console.host import PluginHost
from console.reconcile import KINDS, claim_agrees, reconcile, to_json
from console.reconcile.subjects import OurTouch
from console.sandbox import Sandbox
from console.sync.session import SyncSession
from console.taxonomy import load_taxonomy
from tests.conftest import run_martech
from tests.hubspot_helpers import assert_sdk_agrees
from tests.reconcile_helpers import build, organic, session, write_syncs

TOKEN = {"private_app_token": "t0ken-reconcile"}


@pytest.fixture
def fake() -> Iterator[Sandbox]:
    with Sandbox(PluginHost().discover()) as sandbox:
        yield sandbox


@pytest.fixture
def synced(tmp_path: Path, fake: Sandbox) -> SyncSession:
    """The warehouse built, and every sync sent to the fakes (as a rehearsal would)."""
    db = tmp_path / "w.db"
    build(db)
    syncs = session(db, write_syncs(tmp_path))
    fake.app.fakes["amplitude"].seed(  # the SDK set these on ada's first (untagged) visit
        "ada_user", {"initial_utm_source": "google", "initial_utm_medium": "cpc"}
    )
    for connector in ("hubspot", "braze", "amplitude"):
        sync_into(syncs, connector, fake.base_url(connector))
    return syncs


def sync_into(syncs: SyncSession, connector: str, url: str) -> None:
    from console.guard.sync_run import run_plan

    for spec in [s for s in syncs.specs() if s.destination == connector]:
        plan = syncs.plan(spec, base_url=url, record=False)
        run_plan(syncs, plan, policy_path=None, confirm=None, rehearsal={"x": "stand-in"} | TOKEN
                 | {"rest_api_key": "k", "api_key": "k", "secret_key": "s"})  # fmt: skip


def person(result: Any, match: str) -> dict[str, Any]:
    return next(p for p in to_json(result)["people"] if p["match"].lower() == match.lower())


# -- HubSpot -----------------------------------------------------------------------------


def test_hubspot_direct_traffic_versus_a_paid_social_landing_on_another_device(
    synced: SyncSession, fake: Sandbox
) -> None:
    hubspot = fake.app.fakes["hubspot"]
    hubspot.seed("ada_user@example.com", {
        "hs_analytics_source": "DIRECT_TRAFFIC", "hs_latest_source": "PAID_SOCIAL",
        "hs_latest_source_data_1": "Facebook",
    })  # fmt: skip
    hubspot.seed("bob_user@example.com", {"hs_analytics_source": "ORGANIC_SEARCH",
                                          "hs_latest_source": "ORGANIC_SEARCH"})  # fmt: skip
    dee = hubspot.store.find("dee_user@example.com", "email")
    hubspot.store.archive([{"id": dee.id}])  # deleted in HubSpot since the sync
    result = reconcile(synced, "hubspot", TOKEN, base_url=fake.base_url("hubspot"))
    ada = person(result, "ada_user@example.com")
    assert ada["status"] == "disagree"
    [diff] = ada["differences"]
    assert diff["kind"] == "first_touch"
    assert diff["why"] == (
        "HubSpot says Original Source: Direct Traffic; the first touch was Paid Social "
        "(facebook / paid_social / spring_sale) on 2026-05-04: the fbclid landing was "
        "anonymous and the form fill came from a different device (laptop-1 on 2026-05-05, "
        "not phone-1)"
    )
    assert ada["vendor"]["last"]["detail"] == "Facebook"
    assert ada["sent"][0]["fields"]["martech_first_touch_source"] == "facebook"
    assert person(result, "bob_user@example.com")["status"] == "agree"
    assert person(result, "dee_user@example.com")["status"] == "no_vendor_record"
    assert result.summary()["by_kind"]["first_touch"] == 1
    assert result.exit_code == 1


def test_hubspot_offline_source_is_never_a_disagreement(synced: SyncSession, fake: Sandbox) -> None:
    result = reconcile(synced, "hubspot", TOKEN, base_url=fake.base_url("hubspot"),
                       user="bob_user")  # fmt: skip
    [bob] = to_json(result)["people"]
    assert bob["status"] == "agree"  # the API created the contact: Offline Sources
    assert "Offline Sources: no equivalent among our channels" in bob["notes"][0]
    assert result.exit_code == 0


def test_a_vendor_record_with_no_events_is_no_touches(synced: SyncSession, fake: Sandbox) -> None:
    fake.app.fakes["hubspot"].seed("eve@example.com", {"hs_analytics_source": "PAID_SEARCH"})
    url = fake.base_url("hubspot")
    result = reconcile(synced, "hubspot", TOKEN, base_url=url, user="eve@example.com")
    [eve] = to_json(result)["people"]
    assert (eve["status"], eve["person"], eve["vendor"]["found"]) == ("no_touches", None, True)
    nobody = reconcile(synced, "hubspot", TOKEN, base_url=url, user="nobody@example.com")
    assert to_json(nobody)["people"][0]["status"] == "no_vendor_record"


def test_a_429_during_read_back_is_waited_out(synced: SyncSession, fake: Sandbox) -> None:
    fake.app.inject("hubspot", Fault("rate_limit", count=2, retry_after=0.05))
    result = reconcile(synced, "hubspot", TOKEN, base_url=fake.base_url("hubspot"))
    assert result.read.retries == 2
    assert result.summary()["unread"] == 0
    assert result.summary()["people"] == 3


def test_more_people_than_one_read_batch(tmp_path: Path, fake: Sandbox) -> None:
    db = tmp_path / "w.db"
    extra = [e for n in range(130) for e in organic(f"user_{n:03d}", f"p{n:03d}", minute=n)]
    build(db, extra)
    syncs = session(db, write_syncs(tmp_path))
    sync_into(syncs, "hubspot", fake.base_url("hubspot"))
    sync_into(syncs, "braze", fake.base_url("braze"))
    hub = reconcile(syncs, "hubspot", TOKEN, base_url=fake.base_url("hubspot"))
    assert hub.read.requests_sent == 2  # 133 contacts, 100 a read
    assert hub.summary() | {"by_kind": None} == {
        "people": 133, "agree": 133, "disagree": 0, "by_kind": None, "no_vendor_record": 0,
        "no_touches": 0, "unread": 0,
    }  # fmt: skip
    braze = reconcile(syncs, "braze", {"rest_api_key": "k"}, base_url=fake.base_url("braze"))
    assert braze.read.requests_sent == 3  # 50 ids an export
    assert braze.summary()["agree"] == 133


def test_the_read_request_is_what_hubspots_sdk_sends() -> None:
    [request] = requests(["a@example.com"], ["martech_lifetime_value"])
    assert_sdk_agrees(request)
    assert "hs_analytics_source_data_2" in request.json["properties"]


# -- Braze and Amplitude -------------------------------------------------------------------


def test_braze_attribute_changed_since_the_sync(synced: SyncSession, fake: Sandbox) -> None:
    url = fake.base_url("braze")
    httpx.post(f"{url}/users/track", headers={"Authorization": "Bearer k"}, json={
        "attributes": [{"external_id": "bob_user", "martech_events_count": 99}]
    }).raise_for_status()  # fmt: skip
    result = reconcile(synced, "braze", {"rest_api_key": "k"}, base_url=url)
    bob = person(result, "bob_user")
    assert bob["status"] == "disagree"
    [diff] = bob["differences"]
    assert (diff["kind"], diff["field"], diff["vendor"], diff["ours"]) == (
        "not_as_sent", "martech_events_count", 99, 2,
    )  # fmt: skip
    assert "the sync usage_to_braze sent 2; Braze holds 99" in diff["why"]
    assert person(result, "ada_user")["status"] == "agree"


def test_amplitude_kept_the_sdks_first_touch(synced: SyncSession, fake: Sandbox) -> None:
    result = reconcile(
        synced, "amplitude", {"secret_key": "s"}, base_url=fake.base_url("amplitude")
    )
    ada = person(result, "ada_user")
    kinds = sorted(d["kind"] for d in ada["differences"])
    assert kinds == ["first_touch", "not_as_sent", "not_as_sent"]  # $setOnce kept google/cpc
    first = next(d for d in ada["differences"] if d["kind"] == "first_touch")
    assert first["why"].startswith(
        "Amplitude says initial_utm_*: google / cpc / spring_sale; the first touch was Paid Social "
        "(facebook / paid_social / spring_sale) on 2026-05-04"
    )
    assert person(result, "bob_user")["status"] == "agree"


def test_amplitude_needs_its_secret_key_to_read(synced: SyncSession, fake: Sandbox) -> None:
    from console.errors import AuthError

    with pytest.raises(AuthError, match="secret_key"):
        reconcile(synced, "amplitude", {"api_key": "k"}, base_url=fake.base_url("amplitude"))


# -- HubSpot's categories and our channels -------------------------------------------------


def test_every_hubspot_category_maps_to_channels_our_taxonomy_has() -> None:
    ours = {rule.name for rule in load_taxonomy(None).channels.rules} | {"Direct", "Unassigned"}
    for category, (_shown, channels) in CATEGORIES.items():
        assert set(channels) <= ours, category
    assert set(CATEGORIES) >= {"PAID_SEARCH", "ORGANIC_SEARCH", "PAID_SOCIAL", "SOCIAL_MEDIA",
                               "EMAIL_MARKETING", "REFERRALS", "DIRECT_TRAFFIC",
                               "OTHER_CAMPAIGNS", "OFFLINE"}  # fmt: skip


def _ours(channel: str) -> OurTouch:
    return OurTouch(channel, "x", "y", None, None, None)


@pytest.mark.parametrize(
    ("category", "channel", "agrees"),
    [
        ("PAID_SOCIAL", "Paid Social", True),
        ("PAID_SOCIAL", "Organic Social", False),
        ("DIRECT_TRAFFIC", None, True),
        ("DIRECT_TRAFFIC", "Paid Social", False),
        ("OTHER_CAMPAIGNS", "Display", True),
        ("OTHER_CAMPAIGNS", "Paid Search", False),
        ("OFFLINE", "Paid Social", None),
        ("OFFLINE", None, None),
    ],
)
def test_category_against_our_channel(
    category: str, channel: str | None, agrees: bool | None
) -> None:
    shown, channels = CATEGORIES[category]
    claim = VendorTouch(label=shown, channels=channels)
    assert claim_agrees(claim, _ours(channel) if channel else None) is agrees


def test_other_campaigns_covers_only_channels_hubspot_has_no_category_for() -> None:
    named = {c for cat, (_, chs) in CATEGORIES.items() if cat != "OTHER_CAMPAIGNS" for c in chs}
    assert not named & set(OTHER_CAMPAIGN_CHANNELS)


# -- the command ---------------------------------------------------------------------------


def test_cli_json_shape_and_exit_codes(
    synced: SyncSession, fake: Sandbox, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    fake.app.fakes["hubspot"].seed(
        "ada_user@example.com", {"hs_analytics_source": "DIRECT_TRAFFIC"}
    )
    env = cli_env | {
        "MARTECH_HUBSPOT_BASE_URL": fake.base_url("hubspot"),
        "MARTECH_HUBSPOT_PRIVATE_APP_TOKEN": "t0ken-reconcile",
    }
    base = ["--db", str(synced.warehouse), "reconcile", "--syncs", str(synced.syncs_path)]
    out = run_martech([*base, "hubspot", "--all", "--json"], env)
    assert out.returncode == 1, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"schema", "connector", "vendor", "base_url", "syncs", "summary",
                         "requests", "retries", "stopped", "people"}  # fmt: skip
    assert set(data["summary"]["by_kind"]) == set(KINDS)
    assert set(data["people"][0]) == {"match", "person", "user_id", "email", "status", "ours",
                                      "vendor", "sent", "differences", "notes"}  # fmt: skip
    assert "t0ken-reconcile" not in out.stdout + out.stderr
    text = run_martech([*base, "hubspot", "--user", "ada_user"], env)
    assert text.returncode == 1
    assert "HubSpot says Original Source: Direct Traffic; the first touch was" in text.stdout
    agree = run_martech([*base, "hubspot", "--user", "bob_user"], env)
    assert agree.returncode == 0, agree.stdout
    assert "1 person: 1 agree" in agree.stdout


@pytest.mark.parametrize(
    ("args", "env_extra", "said"),
    [
        (["hubspot"], {}, "--user ID"),
        (["segment", "--all"], {}, "segment cannot read people back"),
        (["nosuch", "--all"], {}, "read people back: amplitude, braze, hubspot"),
        (["hubspot", "--all"], {"MARTECH_HUBSPOT_PRIVATE_APP_TOKEN": ""}, "private_app_token"),
        (["hubspot", "--all"], {"MARTECH_HUBSPOT_BASE_URL": "http://127.0.0.1:9/h"}, "reach"),
    ],
)
def test_cli_not_done_exits_2(
    synced: SyncSession, fake: Sandbox, cli_env: dict[str, str],
    args: list[str], env_extra: dict[str, str], said: str,
) -> None:  # fmt: skip
    env = (
        cli_env
        | {
            "MARTECH_HUBSPOT_BASE_URL": fake.base_url("hubspot"),
            "MARTECH_HUBSPOT_PRIVATE_APP_TOKEN": "t0ken",
        }
        | env_extra
    )
    base = ["--db", str(synced.warehouse), "reconcile", "--syncs", str(synced.syncs_path)]
    out = run_martech([*base, *args], env)
    assert out.returncode == 2, out.stdout + out.stderr
    assert said in out.stdout + out.stderr


def test_cli_a_refused_token_exits_2(
    synced: SyncSession, fake: Sandbox, cli_env: dict[str, str]
) -> None:
    fake.app.inject("hubspot", Fault("unauthorized", count=5))
    env = cli_env | {"MARTECH_HUBSPOT_BASE_URL": fake.base_url("hubspot"),
                     "MARTECH_HUBSPOT_PRIVATE_APP_TOKEN": "t0ken"}  # fmt: skip
    out = run_martech(["--db", str(synced.warehouse), "reconcile", "hubspot", "--all"], env)
    assert out.returncode == 2
    assert "answered 401" in out.stderr


def test_cli_sandbox_rehearsal_on_the_sample(cli_env: dict[str, str], tmp_path: Path) -> None:
    from tests.conftest import SAMPLE_EVENTS

    db = str(tmp_path / "s.db")
    assert run_martech(["replay", str(SAMPLE_EVENTS), "--db", db], cli_env).returncode == 0
    syncs = str(Path(__file__).resolve().parent.parent / "sample_data" / "syncs.toml")
    out = run_martech(["--db", db, "reconcile", "--syncs", syncs, "amplitude", "--all",
                       "--sandbox", "--json"], cli_env)  # fmt: skip
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    summary = json.loads(out.stdout)["summary"]
    assert summary["people"] > 50 and summary["agree"] == summary["people"] - summary[
        "no_vendor_record"] - summary["no_touches"]  # fmt: skip


def test_a_read_back_record_feeds_the_touch_engines_destination_check() -> None:
    from martech_hubspot.sources import records as hubspot_records

    from console import PlannedRequest, VendorAnswer
    from console.touch import ReadBackRegistry, TouchEngine, vendor_state
    from tests.reconcile_helpers import cross_device

    body = {"status": "COMPLETE", "results": [{"id": "1001", "properties": {
        "email": "ada_user@example.com", "hs_analytics_source": "DIRECT_TRAFFIC",
        "hs_latest_source": "OTHER_CAMPAIGNS"}}]}  # fmt: skip
    request = PlannedRequest("POST", "/read", ("ada_user@example.com",))
    [record] = hubspot_records(request, VendorAnswer(200, {}, json.dumps(body).encode()))
    registry = ReadBackRegistry()
    registry.register("hubspot", lambda _request: vendor_state("hubspot", record))
    report = TouchEngine(load_taxonomy(None), readback=registry).debug(cross_device())
    [finding] = [f for f in report.findings if f.code == "touch.destination_mismatch"]
    assert finding.finding.message == (
        "hubspot stores Direct as the first touch; the computed first touch is Paid Social "
        "(facebook / paid_social / spring_sale)"
    )
    assert report.destinations[0].last is None  # Other Campaigns: several channels, not here


def test_amplitudes_profile_fake_answers_as_the_profile_api_documents(fake: Sandbox) -> None:
    url = fake.base_url("amplitude") + "/v1/userprofile"
    fake.app.fakes["amplitude"].seed("ada_user", {"initial_utm_source": "google"})
    query = {"user_id": "ada_user", "get_amp_props": "true"}
    assert httpx.get(url, params=query).text == "Missing Api-Key in Authorization header"
    auth = {"Authorization": "Api-Key secret"}
    found = httpx.get(url, params=query, headers=auth).json()
    assert found["userData"]["amp_props"] == {"initial_utm_source": "google"}
    assert found["userData"]["user_id"] == "ada_user"
    unknown = httpx.get(url, params={"user_id": "nobody"}, headers=auth).json()
    assert unknown == {"error": "User id and device id not seen before"}


def test_a_touch_newer_than_the_last_sync_is_sync_behind(
    synced: SyncSession, fake: Sandbox
) -> None:
    from console.warehouse import Warehouse
    from tests.touch_journeys import DAY, Journey

    later = Journey("bob-anon", user="bob_user", prefix="bob-later-")
    later.page(3 * DAY, "/", query="utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=G1")
    with Warehouse(synced.warehouse) as warehouse:
        warehouse.ingest(later.events)
    result = reconcile(synced, "hubspot", TOKEN, base_url=fake.base_url("hubspot"),
                       user="bob_user")  # fmt: skip
    [bob] = to_json(result)["people"]
    [diff] = bob["differences"]
    assert (diff["kind"], diff["field"], diff["vendor"], diff["ours"]) == (
        "sync_behind", "martech_last_touch_channel", "Organic Search", "Paid Search",
    )  # fmt: skip
    assert diff["why"].endswith("the events now say 'Paid Search': run the sync again")
