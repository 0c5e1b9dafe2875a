"""The sync engine's plan: model rows diffed against the accepted state, rendered by a
destination, linted, hashed, and recorded; bad models refused with the sync and the fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from console import PlannedRequest, RowChange, SyncTarget
from console.errors import PluginError
from console.host import PluginHost
from console.sync import ModelError, SyncError, SyncStore, WarehouseModels, record_plan
from console.warehouse import Warehouse
from tests.sync_helpers import (
    accept_all,
    acme_destination,
    host_with,
    model_of,
    plan_for,
    plan_requests,
    spec,
)
from tests.tui.helpers import fixed_events

PEOPLE = [
    ("p1", "ada@example.com", 120.5, "google"),
    ("p2", "bo@example.com", 0, None),
    ("p3", "cy@example.com", 42, "facebook"),
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.db"
    Warehouse(path).close()
    return path


@pytest.fixture
def acme() -> PluginHost:
    return host_with(acme_destination())


def test_a_first_run_adds_every_row_in_batches_with_nulls_left_out(
    db: Path, acme: PluginHost
) -> None:
    plan = plan_for(db, spec(model_of(PEOPLE)), acme)
    assert plan.diff.counts() == {
        "rows": 3, "add": 3, "change": 0, "remove": 0, "unchanged": 0, "gone": 0
    }  # fmt: skip
    assert [r.rows for r in plan.requests] == [("p1", "p2"), ("p3",)]  # batch_size 2
    first = plan.requests[0].json["inputs"][1]
    assert first == {"id": "bo@example.com", "properties": {"email": "bo@example.com",
                                                             "lifetime_value": 0}}  # fmt: skip
    assert not plan.blocked and len(plan.id) == 12


def test_a_second_run_after_success_plans_nothing(db: Path, acme: PluginHost) -> None:
    sync = spec(model_of(PEOPLE))
    accept_all(db, plan_for(db, sync, acme))
    again = plan_for(db, sync, acme)
    assert again.changes == [] and again.requests == []
    assert again.diff.unchanged == 3


def test_changes_are_field_level_and_type_changes_count(db: Path, acme: PluginHost) -> None:
    accept_all(db, plan_for(db, spec(model_of(PEOPLE)), acme))
    changed = [
        ("p1", "ada@example.com", 130.0, "google"),  # value changed
        ("p2", "bo@example.com", "0", None),  # 0 became the text "0"
        ("p3", "cy@example.com", 42, "facebook"),
    ]
    plan = plan_for(db, spec(model_of(changed)), acme)
    by_key = {c.key: c for c in plan.changes}
    assert set(by_key) == {"p1", "p2"}
    assert dict(by_key["p1"].values) == {"lifetime_value": 130.0}
    assert dict(by_key["p1"].previous) == {"lifetime_value": 120.5}
    assert dict(by_key["p2"].values) == {"lifetime_value": "0"}


def test_a_null_leaves_the_value_alone_unless_the_sync_clears_that_field(
    db: Path, acme: PluginHost
) -> None:
    accept_all(db, plan_for(db, spec(model_of(PEOPLE)), acme))
    lost = [("p1", "ada@example.com", 120.5, None), *PEOPLE[1:]]
    assert plan_for(db, spec(model_of(lost)), acme).changes == []
    clearing = spec(model_of(lost), clear=frozenset({"first_source"}))
    changes = {c.key: c for c in plan_for(db, clearing, acme).changes}
    assert dict(changes["p1"].values) == {"first_source": None}
    assert dict(changes["p1"].previous) == {"first_source": "google"}
    # p2 never had a source sent: what the destination holds is unknown, so it is cleared too
    assert dict(changes["p2"].values) == {"first_source": None}
    assert set(changes) == {"p1", "p2"}


def test_a_rejected_row_is_planned_again(db: Path, acme: PluginHost) -> None:
    sync = spec(model_of(PEOPLE))
    plan = plan_for(db, sync, acme)
    accept_all(db, replace(plan, changes=plan.changes[:2]))
    again = plan_for(db, sync, acme)
    assert [(c.key, c.kind) for c in again.changes] == [("p3", "add")]


def test_rows_that_leave_the_model_are_deleted_only_in_mirror_mode(
    db: Path, acme: PluginHost
) -> None:
    people = [(f"p{i}", f"u{i}@example.com", i, "google") for i in range(20)]
    accept_all(db, plan_for(db, spec(model_of(people), mode="mirror"), acme))
    fewer = people[1:]
    upsert = plan_for(db, spec(model_of(fewer)), acme)
    assert upsert.changes == [] and upsert.diff.gone == 1
    mirror = plan_for(db, spec(model_of(fewer), mode="mirror"), acme)
    (remove,) = mirror.changes
    assert (remove.key, remove.kind, remove.match) == ("p0", "remove", "u0@example.com")
    assert mirror.requests[0].path == "/contacts/batch/archive"
    assert not mirror.blocked  # 1 of 20 is within the default 10%


def test_mirror_refuses_an_empty_model_and_a_delete_over_the_share(
    db: Path, acme: PluginHost
) -> None:
    people = [(f"p{i}", f"u{i}@example.com", i, "google") for i in range(10)]
    accept_all(db, plan_for(db, spec(model_of(people), mode="mirror"), acme))
    empty = spec(model_of(people) + " WHERE 0", mode="mirror")
    plan = plan_for(db, empty, acme)
    assert plan.blocked and [lint.code for lint in plan.lints] == ["sync.empty_model"]
    assert "would delete all 10 records" in plan.lints[0].message
    half = plan_for(db, spec(model_of(people[5:]), mode="mirror"), acme)
    assert [lint.code for lint in half.lints] == ["sync.too_many_deletes"]
    assert "5 of 10 records (50%)" in half.lints[0].message
    allowed = plan_for(db, spec(model_of(people[5:]), mode="mirror", max_delete_share=0.5), acme)
    assert not allowed.blocked


def test_the_plan_id_follows_the_data_and_the_definition(db: Path, acme: PluginHost) -> None:
    sync = spec(model_of(PEOPLE))
    first, again = plan_for(db, sync, acme), plan_for(db, sync, acme)
    assert first.id == again.id
    other = [(*PEOPLE[0][:2], 999, PEOPLE[0][3]), *PEOPLE[1:]]
    assert plan_for(db, spec(model_of(other)), acme).id != first.id
    remapped = spec(model_of(PEOPLE), mapping={"email": "email", "ltv": "ltv"})
    assert plan_for(db, remapped, acme).id != first.id


def test_a_field_the_vendor_computes_blocks_the_plan(db: Path, acme: PluginHost) -> None:
    sync = spec(model_of(PEOPLE), mapping={"email": "email", "source": "acme_original_source"})
    plan = plan_for(db, sync, acme)
    assert plan.blocked
    (lint,) = plan.lints
    assert (lint.code, lint.field) == ("sync.read_only_field", "acme_original_source")
    assert "from column 'source'" in lint.message


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ([*PEOPLE, ("p1", "again@example.com", 1, None)], "primary key 'p1' appears twice"),
        ([(None, "x@example.com", 1, None)], "a model row has no id (NULL)"),
        ([("p9", None, 1, None)], "row 'p9' has no email (column 'email')"),
        ([("p9", "  ", 1, None)], "row 'p9' has no email"),
    ],
)
def test_a_model_that_cannot_be_synced_is_refused_naming_the_row(
    db: Path, acme: PluginHost, rows: list[tuple[object, ...]], says: str
) -> None:
    with pytest.raises(SyncError) as caught:
        plan_for(db, spec(model_of(rows)), acme)
    assert "sync 'people_to_acme'" in caught.value.message
    assert says in caught.value.message
    assert caught.value.hint


def test_a_mapped_column_missing_from_the_model_is_named_with_the_columns(
    db: Path, acme: PluginHost
) -> None:
    model = model_of([("p1", "a@example.com")], columns="id, email")
    with pytest.raises(SyncError) as caught:
        plan_for(db, spec(model), acme)
    assert "the model has no column 'ltv'" in caught.value.message
    assert "the model returns id, email" in (caught.value.hint or "")


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM events RETURNING message_id AS id",
        "-- tidy up first\nUPDATE events SET verdict = 'ok' RETURNING message_id AS id",
        "WITH gone AS (SELECT 1) DELETE FROM events RETURNING message_id AS id",
    ],
)
def test_a_model_cannot_write_the_warehouse(db: Path, acme: PluginHost, sql: str) -> None:
    with pytest.raises(ModelError) as caught:
        plan_for(db, spec(sql), acme)
    assert "a model may only read" in caught.value.message


def test_sql_run_by_hand_is_read_only_too(db: Path) -> None:
    with Warehouse(db) as warehouse:
        warehouse.ingest(fixed_events(3))
    models = WarehouseModels(db)
    try:
        with pytest.raises(ModelError) as caught:
            models.query("DELETE FROM events")
        assert "a model may only read" in caught.value.message
    finally:
        models.close()
    with Warehouse(db) as warehouse:
        assert warehouse.count() == 3


def test_a_destination_that_raises_is_a_plugin_failure_not_a_crash(db: Path) -> None:
    def broken(target: SyncTarget, changes: Sequence[RowChange]) -> list[PlannedRequest]:
        raise KeyError("properties")

    host = host_with(acme_destination(plan=broken))
    with pytest.raises(PluginError) as caught:
        plan_for(db, spec(model_of(PEOPLE)), host)
    assert "the acme_crm destination failed to plan: KeyError" in caught.value.message
    assert [f.phase for f in host.failures_of("acme")] == ["destination.plan"]


def test_a_destination_that_drops_a_row_is_caught(db: Path) -> None:
    def drops_one(target: SyncTarget, changes: Sequence[RowChange]) -> list[PlannedRequest]:
        return plan_requests(target, changes[:1])

    with pytest.raises(PluginError) as caught:
        plan_for(db, spec(model_of(PEOPLE)), host_with(acme_destination(plan=drops_one)))
    # the first batch (p1, p2) is checked as soon as it is rendered, and names the lost row
    assert "carry 1 rows for a batch of 2 changes (missing: p2)" in caught.value.message


def test_a_destination_that_sends_a_row_twice_is_caught(db: Path) -> None:
    def twice(target: SyncTarget, changes: Sequence[RowChange]) -> list[PlannedRequest]:
        return plan_requests(target, [*changes, changes[0]])

    with pytest.raises(PluginError) as caught:
        plan_for(db, spec(model_of(PEOPLE)), host_with(acme_destination(plan=twice)))
    assert "(carried twice: p1)" in caught.value.message


def test_a_model_can_read_whole_events(db: Path, acme: PluginHost) -> None:
    with Warehouse(db) as warehouse:
        warehouse.ingest(fixed_events(1500))  # past the body dictionary's training
    model = (
        "SELECT message_id AS id, message_id || '@example.com' AS email, "
        "json_extract(event_body(body), '$.path') AS ltv, "
        "json_extract(event_body(body), '$.campaign.source') AS source "
        "FROM events WHERE type = 'track'"
    )
    plan = plan_for(db, spec(model), acme)
    assert plan.diff.rows == 300
    first = plan.changes[0]
    assert first.values["lifetime_value"].startswith("/p/")


def test_plans_are_recorded_in_the_ledger(db: Path, acme: PluginHost) -> None:
    plan = plan_for(db, spec(model_of(PEOPLE)), acme)
    store = SyncStore(db)
    try:
        run_id = record_plan(store, plan)
        (run,) = store.runs("people_to_acme")
        assert (run.id, run.kind, run.status, run.plan_id) == (run_id, "plan", "planned", plan.id)
        assert run.counts["add"] == 3 and run.outcomes == {"not sent": 3}
        rows = store.run_rows(run_id)
        assert [(r["key"], r["change"], r["outcome"]) for r in rows] == [
            ("p1", "add", None), ("p2", "add", None), ("p3", "add", None)
        ]  # fmt: skip
    finally:
        store.close()
