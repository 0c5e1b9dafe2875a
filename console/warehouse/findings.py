"""Reading the findings table: counts per code and per campaign, trends, offending events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from console.events import Event
from console.warehouse.rows import row_event, to_ms
from console.warehouse.store import Warehouse

BUCKETS = 12


@dataclass(frozen=True, slots=True)
class CodeCount:
    """How often one finding code fired, when last, and its recent trend."""

    code: str
    severity: str
    count: int
    events: int
    campaigns: int
    last_ms: int
    trend: tuple[int, ...]
    """Counts in ``BUCKETS`` equal slices of the time the findings span, oldest first."""


@dataclass(frozen=True, slots=True)
class CampaignCount:
    """Findings on one campaign's events, by severity."""

    campaign: str | None
    errors: int
    warnings: int
    infos: int
    codes: int


def code_counts(warehouse: Warehouse, since: datetime | None = None) -> list[CodeCount]:
    """Every finding code seen, most frequent first, with a trend over the span."""
    where, params = ("WHERE ts >= ?", [to_ms(since)]) if since else ("", [])
    with warehouse.reading() as conn:
        span = conn.execute(f"SELECT min(ts), max(ts) FROM findings {where}", params).fetchone()
        rows = conn.execute(
            f"SELECT code, severity, count(*), count(DISTINCT event_id), "
            f"count(DISTINCT campaign), max(ts) FROM findings {where} "
            f"GROUP BY code, severity ORDER BY count(*) DESC, code",
            params,
        ).fetchall()
        low, high = span if span and span[0] is not None else (0, 0)
        width = max(1, (high - low + 1) // BUCKETS + 1)
        buckets: dict[str, list[int]] = {}
        for code, bucket, count in conn.execute(
            f"SELECT code, (ts - ?) / ?, count(*) FROM findings {where} GROUP BY 1, 2",
            [low, width, *params],
        ):
            buckets.setdefault(code, [0] * BUCKETS)[min(int(bucket), BUCKETS - 1)] += count
    return [
        CodeCount(code, severity, count, events, campaigns, last, tuple(buckets.get(code, ())))
        for code, severity, count, events, campaigns, last in rows
    ]


def campaign_counts(warehouse: Warehouse, since: datetime | None = None) -> list[CampaignCount]:
    """Findings per campaign (None: events without a campaign), most errors first."""
    where, params = ("WHERE ts >= ?", [to_ms(since)]) if since else ("", [])
    rows = warehouse.read(
        f"SELECT campaign, sum(severity = 'error'), sum(severity = 'warning'), "
        f"sum(severity = 'info'), count(DISTINCT code) FROM findings {where} "
        f"GROUP BY campaign ORDER BY 2 DESC, 3 DESC, campaign",
        params,
    )
    return [CampaignCount(*row) for row in rows]


def events_with(
    warehouse: Warehouse, code: str, campaign: str | None = None, limit: int = 500
) -> list[Event]:
    """The newest events carrying a finding code (optionally on one campaign; ``""`` means
    events without a campaign)."""
    sql = "SELECT e.body FROM findings f JOIN events e ON e.id = f.event_id WHERE f.code = ?"
    params: list[object] = [code]
    if campaign == "":
        sql += " AND f.campaign IS NULL"
    elif campaign is not None:
        sql += " AND f.campaign = ?"
        params.append(campaign)
    sql += " GROUP BY e.id ORDER BY f.ts DESC LIMIT ?"
    rows = warehouse.read(sql, [*params, limit])
    return [row_event(body) for (body,) in rows]
