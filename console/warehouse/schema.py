"""The warehouse schema, created and evolved by sqlite-utils migrations.

Write amplification drives the design: at millions of rows every random-key index entry
dirties a page per insert. Events are appended in rowid order (an INTEGER PRIMARY KEY, so
the table grows at its right edge); the dedupe key is an integer led by the event's
client time in milliseconds, so it too grows at the right edge; the only random-key index
is one compact integer ``actor_key`` (anonymous id, else user id) next to the time, for
per-person lookups. The text message id is indexed only for the rare rows stored without
a dedupe key (two ids clashing on one key). Bodies, most of each row, are compressed with
a dictionary trained on the warehouse's own events (``codec.py``): ~2.3 KB of JSON becomes
a few hundred bytes, so each insert writes a fraction of the pages.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from console.warehouse.keys import id_key

migrations = Migrations("martech_console")


@migrations()
def m001_events(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            message_key INTEGER,
            message_id TEXT NOT NULL,
            source TEXT NOT NULL,
            type TEXT NOT NULL,
            event TEXT,
            user_id TEXT,
            anonymous_id TEXT,
            previous_id TEXT,
            user_key INTEGER,
            anon_key INTEGER,
            ts INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            page_url TEXT,
            referrer TEXT,
            utm_source TEXT,
            utm_medium TEXT,
            utm_campaign TEXT,
            utm_content TEXT,
            utm_term TEXT,
            utm_id TEXT,
            click_id TEXT,
            click_network TEXT,
            validity TEXT NOT NULL,
            body TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE UNIQUE INDEX events_message_key ON events(message_key)")
    db.execute("CREATE INDEX events_user ON events(user_key, ts) WHERE user_key IS NOT NULL")
    db.execute("CREATE INDEX events_anon ON events(anon_key, ts) WHERE anon_key IS NOT NULL")
    db.execute("CREATE INDEX events_ts ON events(ts)")


@migrations()
def m002_identities(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE identities (
            linked_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            via TEXT NOT NULL,
            message_id TEXT NOT NULL,
            ts INTEGER NOT NULL,
            PRIMARY KEY (linked_id, user_id)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX identities_user ON identities(user_id)")


@migrations()
def m003_findings(db: Database) -> None:
    db.execute("ALTER TABLE events ADD COLUMN verdict TEXT")
    db.execute(
        """
        CREATE TABLE findings (
            event_id INTEGER NOT NULL,
            ts INTEGER NOT NULL,
            code TEXT NOT NULL,
            severity TEXT NOT NULL,
            field TEXT,
            campaign TEXT
        )
        """
    )
    db.execute("CREATE INDEX findings_code ON findings(code, ts)")


@migrations()
def m004_time_local_keys(db: Database) -> None:
    """One actor index instead of two, and dedupe keys ordered by client time.

    Both cut the random index pages each insert dirties (see ``keys.py``).
    """
    from console.warehouse.rows import dedupe_key, row_event

    def rekey(body: str) -> int:
        return dedupe_key(row_event(body))

    def actor(anonymous_id: str | None, user_id: str | None) -> int | None:
        value = anonymous_id or user_id
        return id_key(value) if value else None

    db.conn.create_function("martech_rekey", 1, rekey, deterministic=True)
    db.conn.create_function("martech_actor", 2, actor, deterministic=True)
    for index in ("events_user", "events_anon", "events_message_key"):
        db.execute(f"DROP INDEX IF EXISTS {index}")
    db.execute("ALTER TABLE events ADD COLUMN actor_key INTEGER")
    db.execute(
        "UPDATE events SET actor_key = martech_actor(anonymous_id, user_id), "
        "message_key = CASE WHEN message_key IS NULL THEN NULL ELSE martech_rekey(body) END"
    )
    db.execute("ALTER TABLE events DROP COLUMN user_key")
    db.execute("ALTER TABLE events DROP COLUMN anon_key")
    db.execute("CREATE UNIQUE INDEX events_message_key ON events(message_key)")
    db.execute("CREATE INDEX events_actor ON events(actor_key, ts) WHERE actor_key IS NOT NULL")


@migrations()
def m005_millisecond_keys(db: Database) -> None:
    """Dedupe keys led by the client millisecond (was: hour), for fewer dirtied pages."""
    _register_rekey(db)
    db.execute("DROP INDEX IF EXISTS events_message_key")
    db.execute("UPDATE events SET message_key = martech_rekey(body) WHERE message_key IS NOT NULL")
    db.execute("CREATE UNIQUE INDEX events_message_key ON events(message_key)")


@migrations()
def m007_body_dictionaries(db: Database) -> None:
    """The zstd dictionaries event bodies are compressed with (see ``codec.py``)."""
    db.execute(
        """
        CREATE TABLE body_dictionaries (
            id INTEGER PRIMARY KEY,
            trained_at INTEGER NOT NULL,
            data BLOB NOT NULL
        )
        """
    )


@migrations()
def m006_unkeyed_ids(db: Database) -> None:
    """The rare events stored without a dedupe key (a key clash) are found by their text id."""
    db.execute("CREATE INDEX events_unkeyed ON events(message_id) WHERE message_key IS NULL")


@migrations()
def m008_timeless_keys(db: Database) -> None:
    """Events without a client time (and rejected ones) keyed by source and id alone.

    They were keyed at time 0 with a 22-bit hash (rejected ones) or by the time they were
    received (the rest, so a retry was stored again); new keys are negative 63-bit hashes
    (see ``keys.py``). The rejected rows are re-keyed here, found by their key range; the
    others cannot be told apart without reading every body and keep their old keys.
    """
    from console.warehouse.codec import load_dictionaries

    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    load_dictionaries(db.conn, path)  # the bodies may be compressed
    _register_rekey(db)
    db.execute(
        "UPDATE events SET message_key = martech_rekey(body) WHERE message_key BETWEEN 0 AND ?",
        [(1 << 22) - 1],
    )


@migrations()
def m009_more_click_ids(db: Database) -> None:
    """The click IDs after an event's first, so a search by any of them finds it (events
    stored before keep only their first one searchable)."""
    db.execute("ALTER TABLE events ADD COLUMN more_clicks TEXT")


def _register_rekey(db: Database) -> None:
    """``martech_rekey(body)``: the dedupe key the current code gives a stored body."""
    from console.warehouse.rows import dedupe_key, row_event

    db.conn.create_function(
        "martech_rekey", 1, lambda body: dedupe_key(row_event(body)), deterministic=True
    )


@migrations()
def m010_findings_by_event(db: Database) -> None:
    """Findings found by their event, so a verdict judged again replaces its event's rows.

    Event ids grow, so the index grows at its right edge like the table."""
    db.execute("CREATE INDEX IF NOT EXISTS findings_event ON findings(event_id)")
