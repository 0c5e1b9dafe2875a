"""First/last-touch state per identity: overwritten first touches, stale last touches."""

from __future__ import annotations

from pathlib import Path

from console.events import Event
from console.taxonomy import load_taxonomy
from console.validation.validator import Validator
from console.warehouse import Warehouse
from tests.taxonomy_helpers import SITE, codes, event

GOOGLE = {"utm_first_source": "google", "utm_first_medium": "organic"}
LINKEDIN = {"utm_first_source": "linkedin", "utm_first_medium": "paid_social"}
ABM = {**LINKEDIN, "utm_first_campaign": "abm"}


def state(first: dict[str, str], last: dict[str, str] | None = None) -> dict[str, str]:
    last = last or {k.replace("first", "last"): v for k, v in first.items()}
    return {**first, **last}


def visit(minutes: float, props: dict[str, str], **fields: object) -> Event:
    """A page view; a landing URL (with a query) comes from LinkedIn, others from the site."""
    fields.setdefault("page_url", f"{SITE}/pricing")
    landing = "?" in str(fields["page_url"])
    fields.setdefault("referrer", "https://www.linkedin.com/" if landing else f"{SITE}/")
    return event(minutes=minutes, properties=props, **fields)  # type: ignore[arg-type]


def run(*events: Event, validator: Validator | None = None) -> list[list[str]]:
    (validator or Validator(load_taxonomy()))(list(events))
    return [codes(e.findings or []) for e in events]


def test_an_overwritten_first_touch_is_reported_once_where_it_changed() -> None:
    found = run(
        visit(0, state(GOOGLE), page_url=f"{SITE}/", referrer="https://www.google.com/search?q=a"),
        visit(5, state(GOOGLE)),
        visit(
            90,
            state(ABM),
            page_url=f"{SITE}/?utm_source=linkedin&utm_medium=paid_social"
            "&utm_campaign=abm&li_fat_id=1",
        ),
        visit(95, state(ABM)),
    )
    assert found == [[], [], ["state.first_changed"], []]


def test_the_first_change_names_the_field_and_both_touches() -> None:
    first, changed = visit(0, state(GOOGLE)), visit(60, state(LINKEDIN))
    Validator(load_taxonomy())([first, changed])
    finding = changed.findings[0]  # type: ignore[index]
    assert (finding.field, finding.value, finding.severity) == (
        "utm_first_source",
        "linkedin",
        "error",
    )
    assert "google / organic" in finding.message and "linkedin / paid_social" in finding.message


def test_a_late_event_does_not_count_as_a_change() -> None:
    validator = Validator(load_taxonomy())
    run(visit(60, state(LINKEDIN)), validator=validator)
    assert run(visit(0, state(GOOGLE)), validator=validator) == [[]]


def test_a_second_browser_is_compared_once_the_batch_links_it() -> None:
    validator = Validator(load_taxonomy())
    run(visit(0, state(GOOGLE), anonymous_id="laptop", user_id="u1"), validator=validator)
    phone = visit(60, state(LINKEDIN), anonymous_id="phone")
    login = event("identify", minutes=62, anonymous_id="phone", user_id="u1")
    assert run(phone, login, validator=validator) == [["state.first_changed"], []]


def test_a_merge_of_two_different_first_touches_is_reported_on_the_linking_event() -> None:
    validator = Validator(load_taxonomy())
    run(visit(0, state(GOOGLE), anonymous_id="laptop", user_id="u1"), validator=validator)
    run(visit(60, state(LINKEDIN), anonymous_id="phone"), validator=validator)
    login = event("identify", minutes=62, anonymous_id="phone", user_id="u1")
    assert run(login, validator=validator) == [["state.first_changed"]]
    assert "links" in login.findings[0].message  # type: ignore[index]


def test_the_last_touch_must_follow_a_new_campaign() -> None:
    landing_url = f"{SITE}/?utm_source=linkedin&utm_medium=paid_social&utm_campaign=abm&li_fat_id=1"
    stale = visit(60, state(GOOGLE), page_url=landing_url)
    fresh = visit(
        60,
        state(
            GOOGLE,
            {
                "utm_last_source": "linkedin",
                "utm_last_medium": "paid_social",
                "utm_last_campaign": "abm",
            },
        ),
        page_url=landing_url,
        anonymous_id="anon-2",
    )
    found = run(visit(0, state(GOOGLE)), stale, fresh)
    assert found == [[], ["state.last_stale"], []]
    assert stale.findings[0].field == "utm_last_source"  # type: ignore[index]
    assert "not overwritten" in stale.findings[0].message  # type: ignore[index]


def test_state_properties_are_required_after_a_touch_but_not_before() -> None:
    direct = visit(0, {}, referrer="")
    touch = visit(
        30,
        {},
        page_url=f"{SITE}/?utm_source=google&utm_medium=cpc&utm_campaign=x&gclid=C",
        anonymous_id="anon-2",
    )
    lost = visit(60, {}, anonymous_id="anon-3")
    found = run(direct, visit(1, state(GOOGLE), anonymous_id="anon-3"), touch, lost)
    assert found[0] == [] and found[1] == []
    assert found[2] == ["state.missing"] and found[3] == ["state.missing"]


def test_a_warehouse_supplies_the_state_reported_before_the_validator_started(
    tmp_path: Path,
) -> None:
    with Warehouse(tmp_path / "w.db") as warehouse:
        earlier = Validator(load_taxonomy(), warehouse=warehouse)
        before = [visit(0, state(GOOGLE), user_id="u1")]
        earlier(before)
        warehouse.ingest(before)
        restarted = Validator(load_taxonomy(), warehouse=warehouse)
        later = visit(60, state(LINKEDIN), user_id="u1")
        restarted([later])
        assert codes(later.findings or []) == ["state.first_changed"]
        assert restarted.state.lookups == 1
        fresh = Validator(load_taxonomy(), warehouse=Warehouse(tmp_path / "empty.db"))
        fresh([visit(60, state(LINKEDIN), user_id="u1")])
        assert fresh.state.lookups == 0  # an empty warehouse is never asked


def test_the_identity_map_stays_bounded() -> None:
    validator = Validator(load_taxonomy(), max_identities=10)
    validator([visit(i, state(GOOGLE), anonymous_id=f"a{i}") for i in range(50)])
    assert len(validator.state) == 10


def test_unknown_ids_cost_a_warehouse_query_only_when_their_history_matters(
    tmp_path: Path,
) -> None:
    with Warehouse(tmp_path / "w.db") as warehouse:
        warehouse.ingest([visit(0, state(GOOGLE), user_id="old")])
        validator = Validator(load_taxonomy(), warehouse=warehouse)
        tagged = f"{SITE}/?utm_source=google&utm_medium=cpc&utm_campaign=x&gclid=C"
        newcomers = [event(page_url=tagged, anonymous_id=f"n{i}", referrer="") for i in range(20)]
        validator(newcomers)
        assert validator.state.lookups == 0
        returning = visit(60, {}, user_id="old", referrer="")
        validator([returning])
        assert validator.state.lookups == 1
        assert [f.code for f in returning.findings or []] == ["state.missing"]
