"""The diff: a model's rows against what the destination last accepted, by primary key.

Both sides arrive ordered by the key's text, so one merge pass finds added, changed
(field by field) and removed rows while holding only the changed ones: memory follows the
size of the change, not of the model. Only mapped fields count; a NULL in the model leaves
the destination's value alone (no change) unless the sync asked to ``clear`` that field.
In ``insert`` mode (events) a row already sent is unchanged whatever its values now are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from console.contract import RowChange
from console.sync.model import Row
from console.sync.spec import SyncError, SyncSpec
from console.sync.store import StateRow

_encode = msgspec.json.Encoder().encode
KINDS = ("add", "change", "remove")
"""The kinds of change, in the order a plan sends them."""


@dataclass(slots=True)
class Diff:
    """What changed, and a digest of the whole model result (for the plan id)."""

    changes: list[RowChange] = field(default_factory=list)
    """The changes, when :func:`diff_rows` kept them (no ``sink``)."""
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    """How many changes of each kind were found."""
    rows: int = 0
    unchanged: int = 0
    gone: int = 0
    """Rows the destination holds that left the model (deleted only in mirror mode)."""
    synced: int = 0
    """Records the sync has written before (the state's size)."""
    digest: str = ""

    def count(self, kind: str) -> int:
        """How many changes of one kind (``add``, ``change``, ``remove``)."""
        return self.kinds[kind]

    def counts(self) -> dict[str, int]:
        """Every count, JSON-ready."""
        return {
            "rows": self.rows,
            "add": self.count("add"),
            "change": self.count("change"),
            "remove": self.count("remove"),
            "unchanged": self.unchanged,
            "gone": self.gone,
        }


UNSET: dict[str, bool] = {"unset": True}
"""A field with nothing to say in a fingerprint: never sent (state), or a NULL the sync
leaves alone (model). No SQL value is a JSON object, so it cannot be mistaken for one."""


def fingerprint(names: Sequence[str], values: Sequence[Any]) -> bytes:
    """The comparable form of a row's mapped values (field names in sorted order, then the
    values in that order, :data:`UNSET` where there is nothing to send): equal fingerprints
    mean nothing to send."""
    return _encode((names, values))


def field_order(spec: SyncSpec) -> list[str]:
    """The destination fields of a sync, in the order fingerprints list them."""
    return sorted(spec.mapping.values())


def diff_rows(
    spec: SyncSpec,
    columns: list[str],
    rows: Iterable[Row],
    state: Iterable[StateRow],
    sink: Callable[[RowChange], None] | None = None,
) -> Diff:
    """Merge the ordered model rows with the ordered state into a :class:`Diff`.

    Each change goes to ``sink`` as it is found (a plan renders them batch by batch), or
    is kept in :attr:`Diff.changes` without one. A row whose fingerprint equals the
    state's is unchanged without decoding anything; the others are compared field by
    field. Raises :class:`SyncError` for a missing
    mapped column, a NULL or repeated primary key, a row without a match value, or a
    value that cannot be sent (a BLOB).
    """
    index = _column_index(spec, columns)
    names = field_order(spec)
    diff = Diff()
    kinds = diff.kinds
    keep = diff.changes.append if sink is None else sink

    def emit(change: RowChange) -> None:
        kinds[change.kind] += 1
        keep(change)

    digest = hashlib.sha256()
    model = _model_rows(spec, index, rows, diff, digest)
    held = iter(state)
    mine, theirs = next(model, None), next(held, None)
    while True:
        if mine is not None and (theirs is None or mine[0] < theirs.key):
            values = dict(zip(names, mine[2], strict=True))
            emit(_added(spec, mine[0], mine[1], values))
            mine = next(model, None)
        elif theirs is not None and (mine is None or theirs.key < mine[0]):
            diff.synced += 1
            _gone(spec, theirs, diff, emit)
            theirs = next(held, None)
        elif mine is not None and theirs is not None:
            diff.synced += 1
            if spec.mode == "insert" or (mine[3] == theirs.fingerprint and mine[1] == theirs.match):
                diff.unchanged += 1  # insert: an event already sent is never sent again
            else:
                values = dict(zip(names, mine[2], strict=True))
                change = _changed(spec, mine[0], mine[1], values, theirs)
                if change is None:
                    diff.unchanged += 1
                else:
                    emit(change)
            mine, theirs = next(model, None), next(held, None)
        else:
            break
    diff.digest = digest.hexdigest()
    return diff


def _column_index(spec: SyncSpec, columns: list[str]) -> dict[str, int]:
    index = {name: i for i, name in enumerate(columns)}
    for column in (spec.primary_key, *spec.mapping):
        if column not in index:
            raise SyncError(
                f"sync {spec.name!r}: the model has no column {column!r}",
                hint=f"the model returns {', '.join(columns) or 'no columns'}; "
                "select it or fix the mapping",
            )
    return index


def _model_rows(
    spec: SyncSpec, index: dict[str, int], rows: Iterable[Row], diff: Diff, digest: Any
) -> Iterator[tuple[str, str, list[Any], bytes]]:
    """(key, match value, values in :func:`field_order`, fingerprint) per model row, checked."""
    key_at = index[spec.primary_key]
    names = field_order(spec)
    by_dest = {dest: column for column, dest in spec.mapping.items()}
    positions = [index[by_dest[name]] for name in names]
    match_at = index[spec.match_column]
    clear = spec.clear
    previous: str | None = None
    update = digest.update
    for row in rows:
        raw_key = row[key_at]
        if raw_key is None:
            raise SyncError(
                f"sync {spec.name!r}: a model row has no {spec.primary_key} (NULL)",
                hint="every row needs its primary key; filter NULLs out in the model",
            )
        key = raw_key if type(raw_key) is str else str(raw_key)
        if key == previous:
            raise SyncError(
                f"sync {spec.name!r}: primary key {key!r} appears twice in the model",
                hint=f"{spec.primary_key} must be unique: GROUP BY it or pick another key",
            )
        previous = key
        values = [row[at] for at in positions]
        match = row[match_at]
        if match is None or (type(match) is str and not match.strip()):
            raise SyncError(
                f"sync {spec.name!r}: row {key!r} has no {spec.match_key} "
                f"(column {spec.match_column!r}) to match the {spec.object} record on",
                hint="filter such rows out in the model (WHERE ... IS NOT NULL)",
            )
        if bytes in map(type, values):
            _refuse_blob(spec, key, names, values)
        if None in values:
            shown = [
                UNSET if v is None and n not in clear else v
                for n, v in zip(names, values, strict=False)
            ]
            printed = _encode((names, shown))
        else:
            printed = _encode((names, values))
        diff.rows += 1
        update(key.encode())
        update(printed)
        yield key, match if type(match) is str else str(match), values, printed


def _refuse_blob(spec: SyncSpec, key: str, names: list[str], values: list[Any]) -> None:
    for name, value in zip(names, values, strict=True):
        if isinstance(value, bytes):
            raise SyncError(
                f"sync {spec.name!r}: row {key!r}: the value for {name!r} is a BLOB",
                hint="cast it to TEXT in the model (hex() or CAST)",
            )


def _added(spec: SyncSpec, key: str, match: str, values: dict[str, Any]) -> RowChange:
    sent = {f: v for f, v in values.items() if v is not None or f in spec.clear}
    return RowChange(key=key, kind="add", match=match, values=sent)


def _changed(
    spec: SyncSpec, key: str, match: str, values: dict[str, Any], held: StateRow
) -> RowChange | None:
    changed: dict[str, Any] = {}
    previous: dict[str, Any] = {}
    fields = held.fields
    for name, value in values.items():
        if value is None and name not in spec.clear:
            continue  # NULL leaves the destination's value alone
        old = fields.get(name)
        if name not in fields or not _same(old, value):
            changed[name] = value
            previous[name] = old
    if match != held.match:
        changed[spec.match_key] = match
        previous[spec.match_key] = held.match
    if not changed:
        return None
    return RowChange(
        key=key,
        kind="change",
        match=match,
        values=changed,
        previous=previous,
        remote_id=held.remote_id,
    )


def _same(old: Any, new: Any) -> bool:
    """Equal in value and in type: ``5`` and ``"5"`` differ, so do ``1`` and ``1.0``."""
    return type(old) is type(new) and old == new


def _gone(spec: SyncSpec, held: StateRow, diff: Diff, emit: Callable[[RowChange], None]) -> None:
    if spec.mode == "mirror":
        emit(
            RowChange(
                key=held.key,
                kind="remove",
                match=held.match,
                previous=held.fields,
                remote_id=held.remote_id,
            )
        )
    else:
        diff.gone += 1
