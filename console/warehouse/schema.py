"""The warehouse schema, created and evolved by sqlite-utils migrations.

Write amplification drives the design. Events are appended in rowid order (an
INTEGER PRIMARY KEY, so the table grows at its right edge). The dedupe key is a 64-bit
hash of (source, message id) in an integer index: far smaller entries than a text id, so
fewer pages are dirtied per insert at millions of rows. User and anonymous ids are
indexed the same way, as integer keys next to the time.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

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
