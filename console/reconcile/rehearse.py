"""A sandbox rehearsal: every sync to the connector sent to its fake (stand-in credentials,
ledgered under ``<sync>@sandbox``, no gate: nothing reaches a vendor), so what is read back
afterwards is what the fake made of it."""

from __future__ import annotations

from collections.abc import Mapping

from console.guard.sync_run import run_plan
from console.sync.session import SyncSession
from console.sync.spec import SyncError


def rehearse_syncs(
    session: SyncSession, connector: str, base_url: str, credentials: Mapping[str, str]
) -> list[str]:
    """Plan and send each sync to ``connector`` into the fake at ``base_url``; the names."""
    try:
        specs = [s for s in session.specs() if s.destination == connector]
    except SyncError:
        return []
    done = []
    for spec in specs:
        plan = session.plan(spec, base_url=base_url, scope=f"{spec.name}@sandbox", record=False)
        if plan.blocked:
            continue
        run_plan(session, plan, policy_path=None, confirm=None, rehearsal=dict(credentials))
        done.append(spec.name)
    return done
