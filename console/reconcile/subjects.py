"""Who is reconciled: each person's computed first/last touch (the ``people`` table the
touch engine keeps) and what each sync to the connector last sent for them (its state)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.contract import ReadBack
from console.sync.spec import SyncSpec
from console.sync.store import SyncStore

TOUCH_PARTS = ("channel", "source", "medium", "campaign", "click_id", "touch_at")
TOUCH_COLUMNS = frozenset(f"{end}_{part}" for end in ("first", "last") for part in TOUCH_PARTS)
"""``people`` columns holding the computed touches: a sync mapping one sent a touch."""


@dataclass(frozen=True, slots=True)
class OurTouch:
    """A computed first or last touch, as the ``people`` table keeps it."""

    channel: str
    source: str | None
    medium: str | None
    campaign: str | None
    click_id: str | None
    at: str | None

    def label(self) -> str:
        """``Paid Social (facebook / paid_social / spring_sale)``."""
        shown = " / ".join(v for v in (self.source, self.medium, self.campaign) if v)
        return f"{self.channel} ({shown})" if shown else self.channel

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape."""
        return {
            "channel": self.channel, "source": self.source, "medium": self.medium,
            "campaign": self.campaign, "click_id": self.click_id, "at": self.at,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Sent:
    """What one sync last sent for the person (the fields the vendor accepted)."""

    sync: str
    match_key: str
    fields: dict[str, Any]
    mapping: dict[str, str]
    """Model column -> destination field, to know which field carried a touch."""


@dataclass(slots=True)
class Subject:
    """One person to reconcile: their match value, our touches, what was sent."""

    match: str
    person: str | None = None
    user_id: str | None = None
    email: str | None = None
    first: OurTouch | None = None
    last: OurTouch | None = None
    sent: list[Sent] = field(default_factory=list)

    @property
    def known(self) -> bool:
        """True when the warehouse has the person's events."""
        return self.person is not None


def _touch(row: sqlite3.Row, end: str) -> OurTouch | None:
    if not row[f"{end}_channel"]:
        return None
    return OurTouch(*(row[f"{end}_{part}"] for part in TOUCH_PARTS))


def _norm(value: str) -> str:
    return value.strip().lower()


def people(db: Path, reader: ReadBack, wanted: str | None) -> dict[str, Subject]:
    """Subjects by normalized match value: everyone with a match value (``wanted``: only
    the person whose person id, user id, email or any id is ``wanted``)."""
    key = reader.person_key
    out: dict[str, Subject] = {}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'people'").fetchone():
            return out
        sql = f"SELECT * FROM people WHERE {key} IS NOT NULL"
        args: tuple[str, ...] = ()
        if wanted is not None:
            sql += " AND (person = ? OR user_id = ? OR lower(email) = lower(?) OR EXISTS "
            sql += "(SELECT 1 FROM json_each(people.ids) WHERE value = ?))"
            args = (wanted,) * 4
        for row in conn.execute(sql, args):
            match = str(row[key])
            out[_norm(match)] = Subject(
                match=match, person=row["person"], user_id=row["user_id"],
                email=row["email"], first=_touch(row, "first"), last=_touch(row, "last"),
            )  # fmt: skip
    finally:
        conn.close()
    return out


def add_sent(
    db: Path,
    subjects: dict[str, Subject],
    specs: Iterable[SyncSpec],
    reader: ReadBack,
    *,
    scope_of: Callable[[SyncSpec], str],
    wanted: str | None,
) -> list[str]:
    """Attach what each sync to the connector (matching on the read-back's key) last sent;
    a match value only a sync knows becomes a subject of its own. Returns the syncs used."""
    used = []
    store = SyncStore(db)
    try:
        for spec in specs:
            if spec.match_key != reader.match_key:
                continue
            used.append(spec.name)
            scope = scope_of(spec)
            mapping = dict(spec.mapping)
            for row in store.state(scope):
                norm = _norm(row.match)
                subject = subjects.get(norm)
                if subject is None:
                    if wanted is not None and _norm(wanted) not in (norm, _norm(row.key)):
                        continue
                    subject = subjects[norm] = Subject(match=row.match)
                subject.sent.append(Sent(spec.name, spec.match_key, dict(row.fields), mapping))
    finally:
        store.close()
    return used


def touch_fields(sent: Sent) -> dict[str, str]:
    """Destination field -> the ``people`` column it carries, for touch columns only."""
    return {f: c for c, f in sent.mapping.items() if c in TOUCH_COLUMNS}


def sent_json(sent: Sequence[Sent]) -> list[dict[str, Any]]:
    """The JSON shape of what was sent."""
    return [{"sync": s.sync, "fields": json.loads(json.dumps(s.fields, default=str))} for s in sent]
