"""What the CLI and the console share to plan syncs: the syncs file, the warehouse, the
plugins, and the steps around a plan (people refreshed, the state's scope, the ledger)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from console.credentials import CredentialStore
from console.host import PluginHost
from console.sync.ledger import record_plan
from console.sync.model import WarehouseModels
from console.sync.people import refresh
from console.sync.plan import Plan, base_url_override, build_plan
from console.sync.spec import SyncError, SyncSpec, load_syncs
from console.sync.store import RunRecord, SyncStore
from console.taxonomy.model import Taxonomy
from console.touch import TouchEngine

NO_SYNCS = (
    'no syncs file: pass --syncs FILE, set MARTECH_SYNCS, or add syncs = "FILE" to the config '
    "(examples: sample_data/syncs.toml)"
)


@dataclass
class SyncSession:
    """Plans syncs of one warehouse with one set of plugins; built once, handed around."""

    warehouse: Path
    host: PluginHost
    taxonomy: Taxonomy
    syncs_path: Path | None
    credentials: CredentialStore = field(default_factory=CredentialStore)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def specs(self) -> list[SyncSpec]:
        """Every sync of the syncs file (:class:`SyncError` when there is none or it is bad)."""
        if self.syncs_path is None:
            raise SyncError(NO_SYNCS)
        return load_syncs(self.syncs_path)

    def spec(self, name: str) -> SyncSpec:
        """One sync by name, or a :class:`SyncError` listing the others."""
        specs = self.specs()
        for spec in specs:
            if spec.name == name:
                return spec
        known = ", ".join(s.name for s in specs) or "none"
        raise SyncError(f"no sync named {name!r} in {self.syncs_path} (syncs: {known})")

    def plan(
        self,
        spec: SyncSpec,
        *,
        base_url: str | None = None,
        scope: str | None = None,
        record: bool = True,
    ) -> Plan:
        """Refresh ``people``/``conversions``, run the model, diff and render; ledgered as a
        dry run unless ``record`` is False (an execution records itself)."""
        refreshed = refresh(self.warehouse, TouchEngine(self.taxonomy))
        models, store = WarehouseModels(self.warehouse), SyncStore(self.warehouse)
        try:
            if scope is not None:
                store.forget(scope)
            url = base_url or base_url_override(spec.destination, self.env)
            plan = build_plan(
                spec,
                self.host,
                models,
                store,
                base_url=url,
                scope=scope,
                settings=self.public_settings(spec.destination),
            )
            plan.refreshed = refreshed
            if record:
                record_plan(store, plan)
            return plan
        finally:
            models.close()
            store.close()

    def public_settings(self, connector: str) -> dict[str, str]:
        """A connector's non-secret settings (Braze's REST endpoint): they may pick its URL."""
        found = self.host.connectors().get(connector)
        if found is None:
            return {}
        fields = [f for f in found.item.credentials if not f.secret]
        values = {f.name: self.credentials.get(found.item, f) for f in fields}
        return {name: value for name, value in values.items() if value}

    def last_runs(self) -> dict[str, RunRecord]:
        """Each sync's latest run (plan or execution)."""
        if not self.warehouse.exists():
            return {}
        store = SyncStore(self.warehouse)
        try:
            last: dict[str, RunRecord] = {}
            for run in store.runs(limit=500):
                last.setdefault(run.sync, run)
            return last
        finally:
            store.close()

    def runs(self, sync: str | None = None) -> list[RunRecord]:
        """The ledger, newest first."""
        store = SyncStore(self.warehouse)
        try:
            return store.runs(sync)
        finally:
            store.close()

    def run_rows(self, run_id: int) -> list[dict[str, object]]:
        """One run's rows and outcomes."""
        store = SyncStore(self.warehouse)
        try:
            return store.run_rows(run_id)
        finally:
            store.close()
