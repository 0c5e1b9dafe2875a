"""A destination written for the engine's tests: plain rendering, batches of two, a
read-only family, so the engine is tested without any vendor's rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from console import (
    Destination,
    DestinationObject,
    PlannedRequest,
    RowChange,
    RowOutcome,
    SyncTarget,
    VendorAnswer,
    hookimpl,
)
from console.host import PluginHost
from console.sync import SyncSpec, SyncStore, WarehouseModels, build_plan
from console.sync.plan import Plan

CONNECTOR = "acme_crm"


def plan_requests(target: SyncTarget, changes: Sequence[RowChange]) -> list[PlannedRequest]:
    action = "archive" if changes[0].kind == "remove" else target.mode
    inputs = [{"id": c.match, "properties": dict(c.values)} for c in changes]
    return [
        PlannedRequest(
            "POST",
            f"/{target.object}/batch/{action}",
            rows=tuple(c.key for c in changes),
            json={"idProperty": target.match_key, "inputs": inputs},
        )
    ]


def all_accepted(request: PlannedRequest, answer: VendorAnswer) -> list[RowOutcome]:
    return [RowOutcome(key, "accepted") for key in request.rows]


def acme_destination(
    plan: Callable[[SyncTarget, Sequence[RowChange]], list[PlannedRequest]] = plan_requests,
) -> Destination:
    return Destination(
        connector=CONNECTOR,
        base_url="https://api.acme.test",
        objects=(
            DestinationObject(
                "contacts",
                match_keys=("email",),
                read_only_prefixes=("acme_",),
                modes=("upsert", "update", "mirror"),
            ),
        ),
        plan=plan,
        outcomes=all_accepted,
        auth_headers=lambda credentials: {"Authorization": f"Bearer {credentials['token']}"},
        batch_size=2,
    )


def host_with(destination: Destination) -> PluginHost:
    class Plugin:
        @hookimpl
        def register_destinations(self, register: Callable[[Destination], None]) -> None:
            register(destination)

    host = PluginHost(allow=())
    host.add_plugin(Plugin(), name="acme")
    return host


def spec(model: str, **changes: Any) -> SyncSpec:
    values: dict[str, Any] = {
        "name": "people_to_acme",
        "model": model,
        "primary_key": "id",
        "destination": CONNECTOR,
        "object": "contacts",
        "match_key": "email",
        "mapping": {"email": "email", "ltv": "lifetime_value", "source": "first_source"},
        "source": "syncs.toml:1",
    }
    values.update(changes)
    return SyncSpec(**values)


def model_of(rows: Sequence[tuple[Any, ...]], columns: str = "id, email, ltv, source") -> str:
    """Model SQL returning literal rows (NULL for None)."""

    def literal(value: Any) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return repr(value)

    values = ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)
    return f"WITH m({columns}) AS (VALUES {values}) SELECT * FROM m"


def plan_for(db: Path, sync: SyncSpec, host: PluginHost) -> Plan:
    models, store = WarehouseModels(db), SyncStore(db)
    try:
        return build_plan(sync, host, models, store)
    finally:
        models.close()
        store.close()


def accept_all(db: Path, plan: Plan) -> None:
    """What a fully successful execution does to the state."""
    from console.sync.state import next_state

    store = SyncStore(db)
    try:
        current = {row.key: row for row in store.state(plan.scope)}
        store.accept(
            plan.scope,
            [(next_state(plan.spec, change, current.get(change.key)), change.key)
             for change in plan.changes],
        )  # fmt: skip
    finally:
        store.close()


def acme_outcomes(request: PlannedRequest, answer: VendorAnswer) -> list[RowOutcome]:
    """Acme's answers: 2xx with ``errors: [{row, message}]`` for the rows it refused;
    another 4xx refuses the whole request; 401, 429 and 5xx leave every row unknown."""
    body = answer.json() or {}
    if 200 <= answer.status < 300:
        refused = {e["row"]: e["message"] for e in body.get("errors", [])}
        return [
            RowOutcome(k, "rejected", refused[k]) if k in refused
            else RowOutcome(k, "accepted", remote_id=f"id-{k}")
            for k in request.rows
        ]  # fmt: skip
    if answer.status in (401, 403, 429) or answer.status >= 500:
        return [RowOutcome(k, "unknown", f"acme answered {answer.status}") for k in request.rows]
    return [RowOutcome(k, "rejected", body.get("message", "refused")) for k in request.rows]


class FakeTime:
    """A clock and a sleep that only move when the engine waits: no real waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds
