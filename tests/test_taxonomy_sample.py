"""The default taxonomy against the bundled sample: its planted mistakes, and nothing else."""

from __future__ import annotations

import json
from collections import Counter

from console.events import Event
from console.host import PluginHost
from console.replay import Replayer
from console.report import Report
from console.taxonomy import load_taxonomy
from console.validate import validate_file
from console.validation.validator import Validator
from console.warehouse import EventQuery, Warehouse
from tests.conftest import ROOT, SAMPLE_EVENTS

KIND_CODE = {
    "uppercase_utm": "utm.uppercase",
    "click_id_source_mismatch": "click_id.source_mismatch",
    "missing_referrer": "referrer.missing",
    "first_touch_changed": "state.first_changed",
}
INFO_CODES = {"referrer.truncated", "click_id.missing"}


def planted() -> set[tuple[str, str]]:
    mistakes = json.loads((ROOT / "sample_data" / "mistakes.json").read_text())
    assert {m["kind"] for m in mistakes} == set(KIND_CODE)
    return {(m["message_id"], KIND_CODE[m["kind"]]) for m in mistakes}


def flagged(events: list[Event]) -> set[tuple[str, str]]:
    return {
        (e.message_id, f.code)
        for e in events
        for f in e.findings or []
        if f.severity in ("error", "warning")
    }


def test_validating_the_sample_file_finds_every_planted_mistake_and_nothing_else(
    host: PluginHost,
) -> None:
    report = Report("validate", str(SAMPLE_EVENTS), "default")
    validate_file(SAMPLE_EVENTS, load_taxonomy(), host, report)
    found = {(s.id, f.code) for s in report.subjects for f in s.findings if f.severity != "info"}
    assert found == planted()
    assert {code for (code, severity) in report.codes if severity == "info"} <= INFO_CODES
    assert report.total == sum(1 for _ in SAMPLE_EVENTS.open())
    assert report.exit_code == 1


def test_replaying_the_sample_validates_every_event_on_its_way_in(
    warehouse: Warehouse, host: PluginHost
) -> None:
    taxonomy = load_taxonomy()
    replayer = Replayer(
        warehouse, host, taxonomy.click_ids, validator=Validator(taxonomy, host, warehouse)
    )
    report = replayer.run(SAMPLE_EVENTS, batch_size=500)
    stored = list(warehouse.iter_events(EventQuery()))
    assert all(e.findings is not None and e.channel for e in stored)
    assert flagged(stored) == planted()
    assert report.verdicts == Counter({"good": report.result.stored - 13, "bad": 10, "warn": 3})
    (rows,) = warehouse.conn.execute(
        "SELECT count(*) FROM findings WHERE severity IN ('error', 'warning')"
    ).fetchone()
    assert rows == 17  # 13 mistakes; the uppercase ones have a source and a medium finding


def test_every_sample_event_gets_a_channel_and_the_mix_is_plausible(host: PluginHost) -> None:
    report = Report("validate", str(SAMPLE_EVENTS), "default")
    validate_file(SAMPLE_EVENTS, load_taxonomy(), host, report)
    assert sum(report.channels.values()) == report.total
    assert set(report.channels) <= {
        "Direct",
        "Paid Search",
        "Paid Social",
        "Organic Search",
        "Organic Social",
        "Email",
        "Referral",
    }
    assert report.channels["Paid Search"] > 100 and report.channels["Email"] > 50
