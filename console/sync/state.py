"""How an accepted row moves the sync's state: what the destination now holds."""

from __future__ import annotations

from console.contract import RowChange
from console.sync.diff import UNSET, field_order, fingerprint
from console.sync.spec import SyncSpec
from console.sync.store import StateRow


def next_state(
    spec: SyncSpec, change: RowChange, held: StateRow | None, remote_id: str | None = None
) -> StateRow | None:
    """The state after the destination accepted ``change`` (None: the record is gone).

    An add holds what was sent; a change overwrites the sent fields of what was held (a
    cleared field is held as None); a remove forgets the record.
    """
    if change.kind == "remove":
        return None
    fields = dict(held.fields) if held is not None and change.kind == "change" else {}
    fields.update(change.values)
    fields.pop(spec.match_key, None)
    fields[spec.match_key] = change.match
    known = remote_id or (held.remote_id if held is not None else None)
    names = field_order(spec)
    printed = fingerprint(names, [fields.get(name, UNSET) for name in names])
    return StateRow(change.key, change.match, fields, known, printed)
