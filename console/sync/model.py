"""Where a sync's model runs: SQL on a read-only connection to the warehouse.

:class:`ModelSource` is the one small interface the engine uses, so a later source (a
team's Postgres or Snowflake) only has to run a query and hand back rows ordered by key.
:class:`WarehouseModels` is the local one: the warehouse file opened read-only, with
``event_body(body)`` registered so a model can read a whole stored event (bodies are
compressed): ``json_extract(event_body(body), '$.properties.revenue')``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from console.errors import InputError
from console.warehouse.codec import load_dictionaries, plain

Row = tuple[Any, ...]


class ModelError(InputError):
    """A model's SQL failed: names the problem in SQLite's words and what to check."""

    title = "Model"


class ModelSource(Protocol):
    """Runs model SQL read-only."""

    def query(self, sql: str) -> tuple[list[str], Iterator[Row]]:
        """The columns and rows of ``sql``, streamed."""
        ...

    def ordered(self, sql: str, key: str) -> tuple[list[str], Iterator[Row]]:
        """The rows of ``sql`` ordered by the text of column ``key`` (for a merge diff)."""
        ...


class WarehouseModels:
    """Model SQL on the warehouse file, read-only (a write is refused by SQLite itself)."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise InputError(f"no warehouse at {path}", hint="load events first (martech replay)")
        self.path = path
        try:
            self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            self.conn.execute("PRAGMA query_only = ON")
            load_dictionaries(self.conn, str(path))
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{path} cannot be read as a warehouse ({exc})") from None
        self.conn.create_function("event_body", 1, _event_body, deterministic=True)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def query(self, sql: str) -> tuple[list[str], Iterator[Row]]:
        """The columns and rows of ``sql``, streamed."""
        cursor = self._execute(sql.strip().rstrip(";"), ())
        columns = [d[0] for d in cursor.description or ()]
        return columns, _stream(cursor)

    def ordered(self, sql: str, key: str) -> tuple[list[str], Iterator[Row]]:
        """The rows of ``sql`` ordered by the text of column ``key``."""
        inner = sql.strip().rstrip(";").rstrip()
        if not _reads_only(inner):
            raise ModelError(
                "a model may only read: it is not a SELECT",
                hint="models are SELECT (or WITH ... SELECT) statements",
            )
        quoted = '"' + key.replace('"', '""') + '"'
        wrapped = f"SELECT * FROM (\n{inner}\n) AS model ORDER BY CAST({quoted} AS TEXT)"
        try:
            cursor = self._execute(wrapped, ())
        except ModelError as exc:
            if f"no such column: {key}" in exc.message:
                raise ModelError(
                    f"the model has no column {key!r} (its primary key)",
                    hint="select it, or change primary_key",
                ) from None
            raise
        columns = [d[0] for d in cursor.description or ()]
        return columns, _stream(cursor)

    def _execute(self, sql: str, params: Sequence[Any]) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.Warning:
            raise ModelError(
                "a model is one SELECT statement", hint="remove the other statements"
            ) from None
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "readonly" in text or "read-only" in text or "query_only" in text:
                raise ModelError(
                    "a model may only read: it tried to change the warehouse",
                    hint="models are SELECT statements; the warehouse is opened read-only",
                ) from None
            raise ModelError(f"the SQL failed: {text}", hint="try it with martech sql") from None
        except sqlite3.DatabaseError as exc:
            raise ModelError(f"the SQL failed: {exc}", hint="try it with martech sql") from None


def _stream(cursor: sqlite3.Cursor) -> Iterator[Row]:
    try:
        while True:
            rows = cursor.fetchmany(1000)
            if not rows:
                return
            yield from rows
    except sqlite3.DatabaseError as exc:
        raise ModelError(f"the SQL failed while reading: {exc}") from None


def _event_body(body: bytes | str | None) -> str | None:
    """A stored event body as JSON text (expanded when compressed)."""
    if body is None:
        return None
    data = plain(body)
    return data.decode("utf-8") if isinstance(data, bytes) else data


_COMMENT = re.compile(r"(--[^\n]*\n?|/\*.*?\*/|\s+)", re.S)
_STATEMENT = re.compile(r"\b(select|values|insert|update|delete|replace)\b")


def _reads_only(sql: str) -> bool:
    """True for a SELECT, VALUES or WITH ... SELECT: the statement's first keyword outside
    brackets (CTE bodies are inside them) decides. Only a clearer message than the syntax
    error the wrapped model would give; the read-only connection refuses writes anyway."""
    text = _COMMENT.sub(" ", sql).lower()
    depth, outside = 0, []
    for char in text:
        depth += char == "("
        outside.append(char if depth == 0 else " ")
        depth -= char == ")"
    found = _STATEMENT.search("".join(outside))
    return found is not None and found.group(1) in ("select", "values")
