"""Running a real destination's sync through the real engine in process: plan from a
warehouse, execute against a sandbox fake (or any ASGI app) over httpx, read the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from console.host import PluginHost
from console.sandbox import SandboxApp
from console.sync import SyncSpec, SyncStore, WarehouseModels, build_plan
from console.sync.execute import RunResult, execute
from console.sync.plan import Plan
from tests.sync_helpers import FakeTime


@dataclass
class Rehearsal:
    """One connector's sync against a base URL, with its own warehouse."""

    db: Path
    host: PluginHost
    spec: SyncSpec
    base_url: str
    settings: dict[str, str] | None = None

    def plan(self) -> Plan:
        models, store = WarehouseModels(self.db), SyncStore(self.db)
        try:
            return build_plan(
                self.spec, self.host, models, store, base_url=self.base_url, settings=self.settings
            )
        finally:
            models.close()
            store.close()

    async def execute(
        self, plan: Plan, app: Any, credentials: dict[str, str], time: FakeTime | None = None
    ) -> RunResult:
        time = time or FakeTime()
        store = SyncStore(self.db)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport) as client:
                return await execute(
                    plan, self.host, store, client, credentials, sleep=time.sleep, clock=time.clock
                )
        finally:
            store.close()

    def ledger(self, run_id: int) -> dict[str, tuple[str, str | None]]:
        store = SyncStore(self.db)
        try:
            return {r["key"]: (r["outcome"], r["reason"]) for r in store.run_rows(run_id)}
        finally:
            store.close()


def sandbox(host: PluginHost) -> SandboxApp:
    """A fresh sandbox app holding every registered fake (served at http://sandbox/...)."""
    return SandboxApp(host)
