"""People whose vendors believe other things than their events say, a syncs file that
sends them, and a real sandbox on loopback to read them back from."""

from __future__ import annotations

from pathlib import Path

from console.events import Event
from console.host import PluginHost
from console.sync.session import SyncSession
from console.taxonomy import load_taxonomy
from console.warehouse import Warehouse
from tests.touch_journeys import DAY, Journey

FB = "utm_source=facebook&utm_medium=paid_social&utm_campaign=spring_sale&fbclid=IwAR0abc"
SYNCS = """
[[sync]]
name = "people_to_hubspot"
model = '''SELECT person, email, first_source, first_channel, last_channel, revenue AS ltv
FROM people WHERE email IS NOT NULL'''
primary_key = "person"
destination = "hubspot"
object = "contacts"
match_key = "email"
[sync.mapping]
email = "email"
first_source = "martech_first_touch_source"
first_channel = "martech_first_touch_channel"
last_channel = "martech_last_touch_channel"
ltv = "martech_lifetime_value"

[[sync]]
name = "usage_to_braze"
model = "SELECT person, user_id, events, first_channel FROM people WHERE user_id IS NOT NULL"
primary_key = "person"
destination = "braze"
object = "users"
match_key = "external_id"
[sync.mapping]
user_id = "external_id"
events = "martech_events_count"
first_channel = "martech_first_channel"

[[sync]]
name = "touches_to_amplitude"
model = '''SELECT person, user_id, first_source, first_medium, first_campaign, last_source
FROM people WHERE user_id IS NOT NULL AND first_source IS NOT NULL'''
primary_key = "person"
destination = "amplitude"
object = "users"
match_key = "user_id"
[sync.mapping]
user_id = "user_id"
first_source = "initial_utm_source"
first_medium = "initial_utm_medium"
first_campaign = "initial_utm_campaign"
last_source = "utm_source"
"""


def cross_device() -> list[Event]:
    """ada_user: an anonymous fbclid landing on her phone on 2026-05-04; the form fill on
    her laptop the next day; signing in on the phone a week later links the two."""
    j = Journey("phone-1", prefix="ada-")
    j.page(0, "/spring", query=FB)
    j.switch("laptop-1")
    j.page(DAY, "/pricing")
    j.identify(DAY + 1, "ada_user")
    j.track(DAY + 2, "Form Submitted")
    j.switch("phone-1")
    j.identify(7 * DAY, "ada_user")
    return j.events


def organic(user: str, prefix: str, minute: float = 0) -> list[Event]:
    """A person who came from Google search and signed up on the same device."""
    j = Journey(f"{prefix}-anon", prefix=f"{prefix}-")
    j.page(minute, "/", referrer="https://www.google.com/")
    j.identify(minute + 2, user)
    return j.events


def build(db: Path, extra: list[Event] | None = None) -> None:
    """The warehouse: ada (cross-device), bob and dee (organic search), and ``extra``."""
    events = cross_device() + organic("bob_user", "bob") + organic("dee_user", "dee")
    with Warehouse(db) as warehouse:
        warehouse.ingest(events + (extra or []))


def session(db: Path, syncs: Path | None, env: dict[str, str] | None = None) -> SyncSession:
    """A sync session on ``db`` with every built-in plugin."""
    return SyncSession(db, PluginHost().discover(), load_taxonomy(None), syncs, env=env or {})


def write_syncs(tmp: Path) -> Path:
    path = tmp / "syncs.toml"
    path.write_text(SYNCS)
    return path
