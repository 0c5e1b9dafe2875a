"""A plugin teaches the touch debugger where its vendor's SDK reports first/last state
(``register_state_readers``): PostHog's ``$set_once.$initial_utm_*`` and ``$set.utm_*``,
sent by the official SDK through the collector, show up in ``martech touch`` findings."""

from __future__ import annotations

import json
import os
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import posthog
import pytest

import tests.posthog_plugin as posthog_plugin
from console import Event, StateLocation
from console.collector import Collector
from console.host import PluginHost
from console.taxonomy import load_taxonomy
from console.taxonomy.clickids import ClickIdRegistry
from console.touch import TouchEngine
from console.warehouse import Warehouse
from tests.conftest import run_martech
from tests.posthog_plugin import install_posthog

POSTHOG = StateLocation(
    connector="posthog",
    first=("properties", "$set_once", "$initial_utm_{field}"),
    last=("properties", "$set", "utm_{field}"),
)
DAY1 = datetime(2026, 6, 1, 10, tzinfo=UTC)


def _page(n: int, when: datetime, url: str, **props: object) -> dict[str, object]:
    return {"event": "$pageview", "when": when, "properties": {"$current_url": url, **props}}


JOURNEY = [
    # A LinkedIn ad: the SDK records it as the first and the last touch, rightly.
    _page(
        1,
        DAY1,
        "https://acme.io/?utm_source=linkedin&utm_medium=paid_social&utm_campaign=q3",
        **{
            "$referrer": "https://www.linkedin.com/",
            "$set_once": {
                "$initial_utm_source": "linkedin",
                "$initial_utm_medium": "paid_social",
                "$initial_utm_campaign": "q3",
            },
            "$set": {"utm_source": "linkedin", "utm_medium": "paid_social", "utm_campaign": "q3"},
        },
    ),
    # A week later, a newsletter: the tracking rewrites the *first* touch (set, not set_once).
    _page(
        2,
        DAY1 + timedelta(days=7),
        "https://acme.io/?utm_source=newsletter&utm_medium=email&utm_campaign=june",
        **{
            "$set_once": {
                "$initial_utm_source": "newsletter",
                "$initial_utm_medium": "email",
                "$initial_utm_campaign": "june",
            },
            "$set": {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "june"},
        },
    ),
]


def _send(url: str) -> None:
    errors: list[object] = []
    client = posthog.Posthog(
        "phc_test",
        host=url,
        capture_mode="v1",
        capture_compression="deflate",
        sync_mode=True,
        max_retries=0,
        on_error=lambda error, batch: errors.append(error),
    )
    for item in JOURNEY:
        client.capture(
            str(item["event"]),
            distinct_id="ph-user",
            properties=dict(item["properties"]),  # type: ignore[call-overload]
            timestamp=item["when"],  # type: ignore[arg-type]
        )
    client.shutdown()
    assert errors == []


def test_posthog_state_sent_by_the_sdk_shows_in_martech_touch(
    tmp_path: Path,
    warehouse: Warehouse,
    host: PluginHost,
    click_ids: ClickIdRegistry,
    cli_env: dict[str, str],
) -> None:
    host.add_plugin(posthog_plugin, name="posthog")
    collector = Collector(warehouse, host, click_ids, port=0, writer_process=False)
    collector.start()
    try:
        _send(collector.url)
    finally:
        collector.stop()
    site = install_posthog(tmp_path / "site")
    cli_env["PYTHONPATH"] = os.pathsep.join([str(site), cli_env.get("PYTHONPATH", "")])
    out = run_martech(["touch", "ph-user", "--db", str(warehouse.path), "--json"], cli_env)
    report = json.loads(out.stdout)
    found = [(f["code"], f["origin"]) for f in report["findings"]]
    assert ("touch.first_overwritten", "posthog") in found, out.stdout
    first_event = report["timeline"][0]
    assert [r["origin"] for r in first_event["reported"]] == ["posthog"]
    # Without the plugin the same warehouse reports nothing: the state was the plugin's.
    cli_env["MARTECH_BLOCK_PLUGINS"] = "posthog"
    blind = json.loads(
        run_martech(["touch", "ph-user", "--db", str(warehouse.path), "--json"], cli_env).stdout
    )
    assert not [f for f in blind["findings"] if f["origin"] == "posthog"]


def _event(source: str, props: dict[str, object]) -> Event:
    return Event(
        source=source,
        message_id=f"{source}-1",
        type="page",
        user_id="u1",
        timestamp=DAY1,
        page_url="https://acme.io/?utm_source=google&utm_medium=cpc",
        properties=props,
    )


def test_a_location_reads_only_its_own_connectors_events() -> None:
    engine = TouchEngine(load_taxonomy(None), state_locations=[POSTHOG])
    props = {"$set_once": {"$initial_utm_source": "bing", "$initial_utm_medium": "EMPTY"}}
    (state,) = engine.comparer.reader.read(_event("posthog", props))
    assert state.origin == "posthog"
    assert (state.first.source, state.first.medium) == ("bing", None)  # EMPTY: unknown
    assert state.last is None  # nothing under $set: the event said nothing of the last touch
    assert not engine.comparer.reader.read(_event("segment", props))


def test_the_engine_keeps_its_locations_across_processes() -> None:
    engine = TouchEngine(load_taxonomy(None), state_locations=[POSTHOG])
    twin = TouchEngine.from_spec(pickle.loads(pickle.dumps(engine.spec())))  # as a worker gets it
    assert twin.state_locations == (POSTHOG,)


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"first": (), "last": ()}, "give a first or a last path"),
        ({"first": "properties.$set_once"}, "must be a tuple of keys"),
        ({"first": ("context", "utm_{field}")}, "starting at 'properties' or 'traits'"),
        ({"first": ("properties", "$set_once", "initial_source")}, "must hold {field}"),
    ],
)
def test_a_bad_location_says_what_to_write(kwargs: dict[str, object], says: str) -> None:
    with pytest.raises(ValueError, match=says.replace("{", r"\{").replace("}", r"\}")):
        StateLocation(connector="posthog", **kwargs)  # type: ignore[arg-type]


def test_a_second_plugin_for_the_same_connector_is_refused() -> None:
    from console import hookimpl

    class Second:
        @hookimpl
        def register_state_readers(self, register) -> None:  # type: ignore[no-untyped-def]
            register(POSTHOG)
            register("not a location")

    host = PluginHost(allow=())
    host.add_plugin(posthog_plugin, name="posthog")
    host.add_plugin(Second(), name="second")
    assert host.state_readers()["posthog"].plugin == "posthog"
    errors = [(f.plugin, f.error) for f in host.failures]
    assert (
        "second",
        "TypeError: register_state_readers expects a StateLocation, got 'not a location'",
    ) in errors
    assert ("second", "ValueError: 'posthog' is already registered by 'posthog'") in errors
