"""Verdicts do not depend on the order events arrive in.

The rule: each event is judged against the person's whole history in event time, with every
identity link known. The live collector's pipeline, ``martech replay``, ``martech validate
FILE`` and ``martech validate --db`` all give the verdicts of the journeys in time order,
whatever order (and batches) the events arrive in; a late event updates the stored verdicts
of the events it changes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.collector.pipeline import IngestPipeline
from console.events import Event
from console.host import PluginHost
from console.replay import Replayer
from console.report import Report
from console.taxonomy import load_taxonomy
from console.validate import validate_file, validate_stored
from console.validation.rejudge import settler
from console.validation.validator import Validator
from console.warehouse import EventQuery, Warehouse
from tests.touch_journeys import DAY, GOOGLE, Journey

TAXONOMY = load_taxonomy()
G = ("google", "cpc", "spring")
NL = ("newsletter", "email", "may")
LI = ("linkedin", "paid_social", "abm")
G_QUERY = "utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=Cj0K"
NL_QUERY = "utm_source=newsletter&utm_medium=email&utm_campaign=may"
LI_QUERY = "utm_source=linkedin&utm_medium=paid_social&utm_campaign=abm"
Signature = dict[str, tuple[Any, ...]]


def journeys() -> list[Event]:
    """Two people whose tracking makes the usual mistakes, one of them on two devices."""
    a = Journey(anon="a-laptop", prefix="a")
    a.page(0, "/", query=G_QUERY, referrer=GOOGLE, first=G, last=G)
    a.internal(2, first=G, last=G)
    a.internal(4)  # state missing after a touch
    a.page(DAY, "/", query=NL_QUERY, first=G, last=G)  # last touch stale
    a.internal(DAY + 1, first=NL, last=NL)  # first touch overwritten
    a.identify(DAY + 2, "usr_a")
    a.switch("a-phone")
    a.page(2 * DAY, "/pricing", referrer="", first=G, last=NL)  # a second device, direct
    a.identify(2 * DAY + 1, "usr_a")
    a.track(2 * DAY + 2, "Order Completed", revenue=10)
    b = Journey(anon="b-1", prefix="b")
    b.page(30, "/", query=LI_QUERY, referrer="https://www.linkedin.com/", first=LI, last=LI)
    b.internal(31, first=LI, last=LI)
    b.internal(32, first=LI[:2], last=LI[:2])  # the campaign fields dropped
    b.track(33, "Signed Up")  # in the LinkedIn session
    b.page(DAY + 30, "/", referrer="", first=LI, last=LI)
    b.page(3 * DAY, "/", query=G_QUERY, referrer=GOOGLE, first=LI, last=G)
    return a.events + b.events


def copies(events: Sequence[Event]) -> list[Event]:
    return [msgspec.json.decode(msgspec.json.encode(e), type=Event) for e in events]


def signature(events: Sequence[Event]) -> Signature:
    """Per event: channel, verdict and findings (code, severity, field)."""
    return {
        e.message_id: (
            e.channel,
            e.verdict,
            tuple(sorted((f.code, f.severity, f.field or "") for f in e.findings or ())),
        )
        for e in events
        if e.validity == "ok"
    }


def stored(warehouse: Warehouse) -> Signature:
    found = signature(list(warehouse.iter_events(EventQuery())))
    rows = warehouse.read(
        "SELECT e.message_id, f.code, f.severity FROM findings f JOIN events e ON e.id = f.event_id"
    )
    by_row: dict[str, list[tuple[str, str]]] = {}
    for message_id, code, severity in rows:
        by_row.setdefault(message_id, []).append((code, severity))
    for message_id, (_, _, findings) in found.items():  # the findings table agrees
        assert sorted(by_row.get(message_id, [])) == sorted((c, s) for c, s, _ in findings)
    return found


def reported(report: Report) -> Signature:
    return {
        s.id: (
            s.channel,
            s.verdict,
            tuple(sorted((f.code, f.severity, f.field or "") for f in s.findings)),
        )
        for s in report.subjects + report.clean
        if s.kind == "event"
    }


def in_time_order() -> Signature:
    """The reference: every event, oldest first, with every link known."""
    events = sorted(copies(journeys()), key=lambda e: e.timestamp)
    Validator(TAXONOMY)(events)
    return signature(events)


EXPECTED = in_time_order()


def arrivals() -> st.SearchStrategy[tuple[list[int], list[int]]]:
    """An arrival order of the journeys' events and the sizes of the batches they come in."""
    count = len(journeys())
    order = st.permutations(list(range(count)))
    sizes = st.lists(st.integers(1, 6), min_size=count, max_size=count)
    return st.tuples(order, sizes)


def batched(events: list[Event], sizes: list[int]) -> list[list[Event]]:
    out, at = [], 0
    for size in sizes:
        if at >= len(events):
            break
        out.append(events[at : at + size])
        at += size
    return out


def test_the_reference_has_every_kind_of_state_verdict() -> None:
    codes = {code for _, _, findings in EXPECTED.values() for code, _, _ in findings}
    assert {"state.missing", "state.last_stale", "state.first_changed", "state.dropped"} <= codes


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(arrival=arrivals())
def test_every_path_gives_the_verdicts_of_time_order_whatever_the_arrival(
    arrival: tuple[list[int], list[int]], host: PluginHost
) -> None:
    order, sizes = arrival
    events = journeys()
    shuffled = [events[i] for i in order]
    with tempfile.TemporaryDirectory(prefix="arrival-") as folder:
        root = Path(folder)
        # The live path: the collector's pipeline, batch by batch, as senders retry.
        with Warehouse(root / "live.db") as live:
            validator = Validator(TAXONOMY, host, live)
            pipeline = IngestPipeline(
                live, annotate=validator, settle=settler(live, validator)
            ).start()
            for batch in batched(copies(shuffled), sizes):
                pipeline.ingest_now(batch)
            pipeline.stop()
            assert stored(live) == EXPECTED
        # martech replay, martech validate FILE and martech validate --db.
        path = root / "events.ndjson"
        path.write_bytes(b"\n".join(msgspec.json.encode(e) for e in copies(shuffled)))
        with Warehouse(root / "replay.db") as warehouse:
            replayer = Replayer(
                warehouse,
                host,
                TAXONOMY.click_ids,
                validator=Validator(TAXONOMY, host, warehouse),
            )
            result = replayer.run(path, batch_size=max(sizes[0], 2))
            assert stored(warehouse) == EXPECTED
            assert sum(result.verdicts.values()) == len(EXPECTED)
            assert result.verdicts["bad"] == sum(v == "bad" for _, v, _ in EXPECTED.values())
            from_db = validate_stored(warehouse, TAXONOMY, host, _report(keep=True))
            assert reported(from_db) == EXPECTED
        from_file = validate_file(path, TAXONOMY, host, _report(keep=True))
        assert reported(from_file) == EXPECTED


def _report(*, keep: bool) -> Report:
    return Report("validate", "test", TAXONOMY.label, keep_clean=keep)


def test_a_late_page_view_updates_the_stored_verdict_of_a_later_one(
    warehouse: Warehouse, host: PluginHost
) -> None:
    # An offline queue flushes the landing after the page views that followed it: the
    # overwritten first touch is only visible once the landing is there.
    j = Journey(prefix="late")
    j.page(0, "/", query=G_QUERY, referrer=GOOGLE, first=G, last=G)
    j.internal(2, first=NL, last=G)  # first touch overwritten
    landing, later = j.events
    validator = Validator(TAXONOMY, host, warehouse)
    pipeline = IngestPipeline(
        warehouse, annotate=validator, settle=settler(warehouse, validator)
    ).start()
    pipeline.ingest_now([later])
    assert stored(warehouse)["latem001"][1] == "good"  # nothing to compare with yet
    pipeline.ingest_now([landing])
    pipeline.stop()
    verdicts = stored(warehouse)
    assert verdicts["latem001"][1] == "bad"
    assert [c for c, _, _ in verdicts["latem001"][2]] == ["state.first_changed"]


def segment_page(message_id: str, at: str, url: str, **props: str) -> dict[str, Any]:
    return {
        "type": "page",
        "messageId": message_id,
        "anonymousId": "anon-offline",
        "originalTimestamp": at,
        "properties": {"url": url, "referrer": "https://www.google.com/", **props},
    }


def test_the_collector_updates_stored_verdicts_when_a_batch_arrives_late(
    warehouse: Warehouse, host: PluginHost
) -> None:
    import httpx

    from console.collector import Collector

    site = "https://www.acme.io"
    landing = segment_page(
        "landing",
        "2026-06-01T10:00:00.000Z",
        f"{site}/?{G_QUERY}",
        utm_first_source="google",
        utm_first_medium="cpc",
    )
    later = segment_page(
        "later",
        "2026-06-01T10:05:00.000Z",
        f"{site}/pricing",
        utm_first_source="newsletter",
        utm_first_medium="email",
    )
    later["properties"]["referrer"] = f"{site}/"
    collector = Collector(
        warehouse, host, TAXONOMY.click_ids, port=0, validator=Validator(TAXONOMY, host, warehouse)
    )
    collector.start()
    try:
        for batch in ([later], [landing]):  # the landing's batch was retried late
            response = httpx.post(f"{collector.url}/v1/batch", json={"batch": batch})
            assert response.status_code == 200
    finally:
        collector.stop()
    verdicts = stored(warehouse)
    assert verdicts["later"][1] == "bad"
    assert [c for c, _, _ in verdicts["later"][2]] == ["state.first_changed"]


def test_a_late_track_call_gets_its_session_s_channel_once_stored(
    warehouse: Warehouse, host: PluginHost
) -> None:
    j = Journey(prefix="track")
    j.page(0, "/", query=G_QUERY, referrer=GOOGLE, first=G, last=G)
    signup = j.track(3, "Signed Up")
    j.page(DAY, "/", referrer="", first=G, last=G)  # a direct visit the next day
    landing, _, direct = j.events
    validator = Validator(TAXONOMY, host, warehouse)
    pipeline = IngestPipeline(
        warehouse, annotate=validator, settle=settler(warehouse, validator)
    ).start()
    for batch in ([landing], [direct], [signup]):  # the track call was queued offline
        pipeline.ingest_now(batch)
    pipeline.stop()
    channels = {mid: channel for mid, (channel, _, _) in stored(warehouse).items()}
    assert channels == {
        "trackm000": "Paid Search",
        "trackm001": "Paid Search",
        "trackm002": "Direct",
    }


def test_the_sample_read_backwards_gets_the_same_verdicts_from_every_command(
    tmp_path: Path, host: PluginHost
) -> None:
    # The reproduction: `tac sample_data/events.ndjson`, then replay, validate FILE
    # and validate --db must all say what validating the sample in order says.
    import json

    from click.testing import CliRunner

    from console.cli import create_cli
    from console.cli.context import AppContext
    from console.settings import Settings

    sample = Path(__file__).parent.parent / "sample_data" / "events.ndjson"
    backwards = tmp_path / "rev.ndjson"
    backwards.write_bytes(b"".join(reversed(sample.read_bytes().splitlines(keepends=True))))

    def martech(*args: str) -> dict[str, Any]:
        app = AppContext(Settings(db_path=tmp_path / "wh.db"), host)
        result = CliRunner().invoke(create_cli(), list(args), obj=app, catch_exceptions=False)
        return json.loads(result.output)

    def verdicts(summary: dict[str, Any]) -> tuple[int, int, int]:
        return (summary["good"], summary["warn"], summary["bad"])

    in_order = verdicts(martech("validate", str(sample), "--format", "json")["summary"])
    replayed = martech("replay", str(backwards), "--json")["verdicts"]
    assert (replayed["good"], replayed["warn"], replayed["bad"]) == in_order
    assert (
        verdicts(
            martech("validate", "--db", str(tmp_path / "wh.db"), "--format", "json")["summary"]
        )
        == in_order
    )
    assert verdicts(martech("validate", str(backwards), "--format", "json")["summary"]) == in_order


def test_once_judged_again_a_person_s_later_events_need_no_second_look(
    warehouse: Warehouse, host: PluginHost
) -> None:
    j = Journey(prefix="calm")
    j.page(0, "/", query=G_QUERY, referrer=GOOGLE, first=G, last=G)
    j.internal(2, first=G, last=G)
    j.internal(4, first=G, last=G)
    landing, second, third = j.events
    validator = Validator(TAXONOMY, host, warehouse)
    named: list[list[str]] = []

    def settle(unsettled: Any) -> object:
        named.append(list(unsettled.ids))
        return settler(warehouse, validator)(unsettled)  # type: ignore[misc]

    pipeline = IngestPipeline(warehouse, annotate=validator, settle=settle).start()
    for batch in ([second], [landing], [third]):
        pipeline.ingest_now(batch)
    pipeline.stop()
    assert named == [["anon-1"]]  # the late landing only: the person is settled after it
    assert all(verdict == "good" for _, verdict, _ in stored(warehouse).values())
