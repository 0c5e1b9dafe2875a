"""Test syncs (reverse ETL): a SQL model on the warehouse, diffed against what the
destination last accepted, planned into the exact vendor requests, dry run by default.

``load_syncs`` reads the definitions, ``build_plan`` runs the model and renders the
requests through the destination a plugin registered, ``record_plan`` writes the plan to
the run ledger. The sync wing imports no vendor: destinations arrive through
``register_destinations``.
"""

from console.sync.diff import Diff, diff_rows
from console.sync.ledger import record_plan
from console.sync.model import ModelError, ModelSource, WarehouseModels
from console.sync.plan import Plan, base_url_override, build_plan, destination_for, plan_id
from console.sync.spec import SyncError, SyncSpec, load_syncs
from console.sync.store import RunRecord, StateRow, SyncStore

__all__ = [
    "Diff",
    "ModelError",
    "ModelSource",
    "Plan",
    "RunRecord",
    "StateRow",
    "SyncError",
    "SyncSpec",
    "SyncStore",
    "WarehouseModels",
    "base_url_override",
    "build_plan",
    "destination_for",
    "diff_rows",
    "load_syncs",
    "plan_id",
    "record_plan",
]
