"""First/last state is compared on the fields the site reports; a field that stops coming
is its own finding. The same rule in ``martech validate``, the touch debugger and the scan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from console.taxonomy import TaxonomyError, load_taxonomy
from console.taxonomy.model import Taxonomy
from console.touch import TouchEngine, scan_people
from console.touch.render import report_dict
from console.validation.validator import Validator
from console.warehouse import Warehouse
from tests.taxonomy_helpers import team_file
from tests.touch_journeys import DAY, GOOGLE, Journey

SPRING = {"source": "google", "medium": "cpc", "campaign": "spring"}
MAY = {"source": "newsletter", "medium": "email", "campaign": "may"}
SPRING_QUERY = "utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=Cj0K"
MAY_QUERY = "utm_source=newsletter&utm_medium=email&utm_campaign=may"


def props(fields: tuple[str, ...], first: dict[str, str], last: dict[str, str]) -> dict[str, Any]:
    """The state properties a site sends when it tracks only ``fields``."""
    out = {f"utm_first_{name}": first[name] for name in fields}
    out.update({f"utm_last_{name}": last[name] for name in fields})
    return out


def two_landings(fields: tuple[str, ...], anon: str = "anon-1") -> Journey:
    """The product brief's setup: google/cpc/spring with a gclid, then the May newsletter,
    reported correctly on the fields the site tracks."""
    j = Journey(anon=anon, prefix=anon)
    j.page(0, "/", query=SPRING_QUERY, referrer=GOOGLE, extra=props(fields, SPRING, SPRING))
    j.internal(2, extra=props(fields, SPRING, SPRING))
    j.page(DAY, "/", query=MAY_QUERY, extra=props(fields, SPRING, MAY))
    j.internal(DAY + 2, extra=props(fields, SPRING, MAY))
    return j


def state_codes(events: list[Any], taxonomy: Taxonomy | None = None) -> list[str]:
    Validator(taxonomy or load_taxonomy())(events)
    return [f.code for e in events for f in e.findings or [] if f.code.startswith("state.")]


@pytest.fixture(scope="module")
def engine() -> TouchEngine:
    return TouchEngine(load_taxonomy(None))


@pytest.mark.parametrize("fields", [("medium",), ("source", "medium")])
def test_a_site_tracking_fewer_fields_correctly_gets_no_findings(
    fields: tuple[str, ...], engine: TouchEngine
) -> None:
    j = two_landings(fields)
    report = engine.debug(j.events)
    assert report.findings == []
    assert all(not entry.diverged for entry in report.timeline)
    assert state_codes(j.events) == []


def test_the_touch_report_says_which_state_fields_the_events_carry(engine: TouchEngine) -> None:
    data = report_dict(engine.debug(two_landings(("medium",)).events))
    assert data["state_carried"] == {
        "properties": {"first": ["utm_first_medium"], "last": ["utm_last_medium"]}
    }
    note = next(n for n in data["notes"] if "not tracked" in n)
    assert "utm_first_source" in note and "utm_first_medium, utm_last_medium" in note


def test_a_wrong_value_on_a_tracked_field_is_still_found(engine: TouchEngine) -> None:
    j = Journey()
    j.page(0, "/", query=SPRING_QUERY, referrer=GOOGLE, extra=props(("medium",), SPRING, SPRING))
    stale = props(("medium",), SPRING, SPRING)  # the newsletter did not move the last touch
    j.page(DAY, "/", query=MAY_QUERY, extra=stale)
    assert [f.code for f in engine.debug(j.events).findings] == ["touch.last_stale"]
    assert state_codes(j.events) == ["state.last_stale"]


def test_a_field_that_stops_coming_is_reported_once_where_it_stopped(
    engine: TouchEngine,
) -> None:
    full = ("source", "medium", "campaign")
    j = Journey()
    j.page(0, "/", query=SPRING_QUERY, referrer=GOOGLE, extra=props(full, SPRING, SPRING))
    j.internal(2, extra=props(full, SPRING, SPRING))
    j.internal(3, extra=props(("source", "medium"), SPRING, SPRING))  # campaign dropped
    j.internal(4, extra=props(("source", "medium"), SPRING, SPRING))
    j.internal(5, extra=props(full, SPRING, SPRING))  # back again

    report = engine.debug(j.events)
    assert [(f.code, f.event_index) for f in report.findings] == [("touch.state_dropped", 2)]
    message = report.findings[0].finding.message
    assert "utm_first_campaign" in message and "utm_last_campaign" in message
    assert state_codes(j.events) == ["state.dropped"]
    assert [bool(e.findings) for e in j.events] == [False, False, True, False, False]


def test_a_touch_without_a_campaign_does_not_drop_the_campaign_fields(
    engine: TouchEngine,
) -> None:
    # JavaScript leaves out undefined values: after an organic visit there is no
    # utm_last_campaign to send.
    full = ("source", "medium", "campaign")
    j = Journey()
    j.page(0, "/", query=SPRING_QUERY, referrer=GOOGLE, extra=props(full, SPRING, SPRING))
    organic = {"source": "google", "medium": "organic"}
    last = {f"utm_last_{k}": v for k, v in organic.items()}
    j.page(DAY, "/blog", referrer=GOOGLE, extra={**props(full, SPRING, SPRING), **last})
    j.page(DAY, "/blog", referrer=GOOGLE, extra={**props(full, SPRING, SPRING), **last})
    for event in j.events[1:]:
        for name in ("source", "medium", "campaign"):
            event.properties.pop(f"utm_last_{name}", None)
        event.properties.update(last)
    assert engine.debug(j.events).findings == []
    assert state_codes(j.events) == []


def test_a_team_narrows_the_compared_fields_in_its_taxonomy(tmp_path: Path) -> None:
    narrow = load_taxonomy(
        team_file(tmp_path, 'extends = "default"\n[state]\nfields = ["source", "medium"]\n')
    )
    assert set(narrow.state.first) == {"source", "medium"}
    assert set(narrow.state.last) == {"source", "medium"}
    full = ("source", "medium", "campaign")
    j = Journey()
    # Campaign is tracked by the site, but with its own naming: the team does not check it.
    j.page(0, "/", query=SPRING_QUERY, referrer=GOOGLE, extra=props(full, SPRING, SPRING))
    renamed = {**SPRING, "campaign": "Spring-Promo"}
    j.internal(2, extra=props(full, renamed, renamed))
    assert TouchEngine(narrow).debug(j.events).findings == []
    assert state_codes(j.events, narrow) == []
    assert TouchEngine(load_taxonomy(None)).debug(j.events).findings != []

    with pytest.raises(TaxonomyError, match="fields"):
        load_taxonomy(team_file(tmp_path, '[state]\nfields = ["medum"]\n', "bad.toml"))


def test_the_scan_lists_nobody_for_a_site_tracking_only_the_medium(
    warehouse: Warehouse, engine: TouchEngine
) -> None:
    for n, fields in enumerate([("medium",), ("source", "medium"), ("medium",)]):
        warehouse.ingest(two_landings(fields, anon=f"anon-{n}").events)
    result = scan_people(warehouse, engine, findings_only=True)
    assert (result.people, result.affected, result.listed) == (3, 0, [])


def test_an_overwritten_first_touch_with_fewer_fields_is_one_finding_not_a_drop_too() -> None:
    # The tracker replaced google/cpc/spring by the newsletter's source/medium (it omits the
    # empty campaign): that is state.first_changed; the missing campaign is part of it.
    full = ("source", "medium", "campaign")
    j = Journey()
    j.page(0, "/", query=SPRING_QUERY, referrer=GOOGLE, extra=props(full, SPRING, SPRING))
    mail = {"source": "newsletter", "medium": "email", "campaign": "may"}
    overwritten = props(("source", "medium"), mail, mail)
    j.page(DAY, "/", query=MAY_QUERY, extra={**overwritten, "utm_last_campaign": "may"})
    j.internal(DAY + 1, extra={**overwritten, "utm_last_campaign": "may"})
    j.internal(DAY + 2, extra={**overwritten, "utm_last_campaign": "may"})
    assert state_codes(j.events) == ["state.first_changed"]
