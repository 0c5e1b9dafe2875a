"""Live validation: the collector validates each batch before it commits and acknowledges it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from console.collector import Collector
from console.host import PluginHost
from console.taxonomy import load_taxonomy
from console.validation.validator import Validator
from console.warehouse import Warehouse


def page(message_id: str, query: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "page",
        "messageId": message_id,
        "anonymousId": f"anon-{message_id}",
        "originalTimestamp": "2026-06-01T10:00:00.000Z",
        "properties": {
            "url": f"https://acme.io/pricing?{query}",
            "referrer": "https://www.google.com/",
            "utm_first_source": "google",
            "utm_first_medium": "cpc",
            "utm_last_source": "google",
            "utm_last_medium": "cpc",
            "utm_last_campaign": "brand",
        },
        **extra,
    }


@pytest.fixture
def validating(warehouse: Warehouse, host: PluginHost) -> Iterator[Collector]:
    taxonomy = load_taxonomy()
    running = Collector(
        warehouse,
        host,
        taxonomy.click_ids,
        port=0,
        validator=Validator(taxonomy, host, warehouse),
    )
    running.start()
    try:
        yield running
    finally:
        running.stop()


def test_findings_are_stored_and_each_event_is_marked_good_or_bad(validating: Collector) -> None:
    seen: list[Any] = []
    validating.bus.subscribe(seen.extend)
    batch = [
        page("ok", "utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=C1"),
        page("bad", "utm_source=Google&utm_medium=cpc&utm_campaign=brand&gclid=C2"),
    ]
    response = httpx.post(f"{validating.url}/v1/batch", json={"batch": batch})
    assert response.status_code == 200
    good, bad = validating.warehouse.get("ok"), validating.warehouse.get("bad")
    assert good is not None and bad is not None
    assert (good.verdict, good.channel) == ("good", "Paid Search")
    assert bad.verdict == "bad"
    assert [f.code for f in bad.findings or []] == ["utm.uppercase"]
    rows = validating.warehouse.conn.execute(
        "SELECT e.message_id, f.code, f.severity, f.field FROM findings f "
        "JOIN events e ON e.id = f.event_id"
    ).fetchall()
    assert rows == [("bad", "utm.uppercase", "error", "utm_source")]
    verdicts = dict(
        validating.warehouse.conn.execute("SELECT message_id, verdict FROM events").fetchall()
    )
    assert verdicts == {"ok": "good", "bad": "bad"}
    assert {e.message_id: e.verdict for e in seen} == {"ok": "good", "bad": "bad"}
