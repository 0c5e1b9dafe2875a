"""The engine's side of ``Destination.auth_form``: the credentials a vendor wants in a form
body are put first in each form as it is sent, never in a JSON body, a plan or the ledger;
a missing credential stops the run before anything is sent."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from console import PlannedRequest, RowChange, SyncTarget
from console.errors import AuthError
from console.sync import SyncStore
from console.sync.execute import execute
from console.sync.render import plan_text
from console.warehouse import Warehouse
from tests.sync_helpers import FakeTime, acme_destination, host_with, model_of, plan_for, spec

KEY = "form-key-0000-secret"
PEOPLE = [(f"p{i}", f"user{i}@example.com", i, "google") for i in range(3)]


def form_plan(target: SyncTarget, changes: Sequence[RowChange]) -> list[PlannedRequest]:
    rows = tuple(c.key for c in changes)
    items = json.dumps([{"id": c.match, **c.values} for c in changes])
    return [PlannedRequest("POST", "/identify", rows, form={"identification": items})]


def json_plan(target: SyncTarget, changes: Sequence[RowChange]) -> list[PlannedRequest]:
    rows = tuple(c.key for c in changes)
    return [PlannedRequest("POST", "/batch", rows, json={"ids": [c.match for c in changes]})]


def form_destination(plan=form_plan):  # type: ignore[no-untyped-def]
    return replace(
        acme_destination(plan),
        auth_headers=lambda credentials: {},
        auth_form=lambda credentials: {"api_key": credentials["api_key"]},
    )


async def _run(db: Path, destination, credentials: dict[str, str]) -> list[httpx.Request]:  # type: ignore[no-untyped-def]
    host = host_with(destination)
    plan = plan_for(db, spec(model_of(PEOPLE)), host)
    shown = json.dumps(plan.to_json()) + plan_text(plan, limit=None)
    assert KEY not in shown and "api_key" not in shown
    seen: list[httpx.Request] = []

    def vendor(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    store, time = SyncStore(db), FakeTime()
    try:
        async with httpx.AsyncClient(transport=httpx.MockTransport(vendor)) as client:
            result = await execute(
                plan, host, store, client, credentials, sleep=time.sleep, clock=time.clock
            )
    finally:
        store.close()
    assert result.clean
    return seen


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.db"
    Warehouse(path).close()
    return path


async def test_the_form_credentials_come_first_in_every_sent_form(db: Path) -> None:
    seen = await _run(db, form_destination(), {"api_key": KEY})
    assert len(seen) == 2  # batches of two
    for request in seen:
        fields = parse_qsl(request.content.decode())
        assert [name for name, _ in fields] == ["api_key", "identification"]
        assert fields[0][1] == KEY and "authorization" not in request.headers
    for file in db.parent.glob("warehouse.db*"):
        assert KEY.encode() not in file.read_bytes()


async def test_a_json_request_never_gets_the_form_credentials(db: Path) -> None:
    seen = await _run(db, form_destination(json_plan), {"api_key": KEY})
    assert all(KEY.encode() not in r.content for r in seen)
    assert json.loads(seen[0].content) == {"ids": ["user0@example.com", "user1@example.com"]}


async def test_a_missing_form_credential_stops_before_sending(db: Path) -> None:
    with pytest.raises(AuthError, match="api_key"):
        await _run(db, form_destination(), {})
