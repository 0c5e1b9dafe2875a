"""Deterministic, realistic Segment traffic, normalized the way the console normalizes it.

Each message is an analytics.js-style ``page`` (60%) or ``track`` (40%) call of ~950 bytes
of JSON (790-1,100): a page URL carrying ``utm_*`` parameters and an ad-network click id,
``context.campaign``, a user agent, properties. Messages are decoded by the Segment
connector's own ``decode_message`` and enriched by ``console.campaign.enrich``, so the Events
carry ``raw``, ``properties``, ``context``, ``campaign`` and ``click_ids`` as in production.

Traffic comes from a fixed pool of people (100k by default): each has an anonymous id and
about half also have a user id, sent on ~70% of their events; activity is skewed so some
people send many events. Everything is derived from a seed, so every run sees the same rows.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from martech_segment.decode import decode_message

from console.campaign import enrich
from console.events import Event, format_time
from console.taxonomy.clickids import ClickIdRegistry
from console.taxonomy.loader import load_click_id_registry

T0 = datetime(2026, 6, 1, tzinfo=UTC)
STEP_MS = 50
"""Mean spacing of events in time (20 events/s of traffic)."""

_HOSTS = ("shop.example.com", "www.example.com", "blog.example.com")
_PATHS = (
    "/", "/pricing", "/products/trail-runner-3", "/products/merino-crew-sock",
    "/collections/summer-sale", "/blog/how-to-choose-running-shoes", "/signup", "/checkout",
)  # fmt: skip
_TITLES = ("Example Shop", "Pricing | Example", "Trail Runner 3 | Example Shop", "Summer Sale")
_REFERRERS = (
    "https://www.google.com/", "https://www.facebook.com/", "https://t.co/", "",
    "https://www.bing.com/", "https://www.linkedin.com/",
)  # fmt: skip
_CAMPAIGNS = (
    ("google", "cpc", "summer_sale_2026"),
    ("facebook", "paid_social", "retargeting_q3"),
    ("newsletter", "email", "weekly_digest_23"),
    ("bing", "cpc", "brand_exact"),
    ("tiktok", "paid_social", "ugc_creators_jun"),
    ("linkedin", "paid_social", "b2b_webinar"),
)
_CLICK_PARAMS = ("gclid", "fbclid", "msclkid", "ttclid", "li_fat_id", "gbraid")
_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
)
_TRACKS = ("Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Signed Up")
_PRODUCTS = (
    ("sku-tr3-42", "Trail Runner 3", "Footwear", "Example", 129.0),
    ("sku-mcs-m", "Merino Crew Sock", "Accessories", "Example", 18.5),
    ("sku-wj-l", "Wind Jacket", "Outerwear", "Northwind", 189.0),
)
_LOCALES = ("en-US", "de-DE", "en-GB", "fr-FR")


@dataclass(frozen=True, slots=True)
class Person:
    """One visitor: an anonymous id, and a user id once they have signed up."""

    anonymous_id: str
    user_id: str | None


def _uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def people(seed: int, count: int) -> list[Person]:
    """The fixed pool of visitors for a seed."""
    rng = random.Random(f"{seed}-people")
    return [
        Person(_uuid4(rng), f"usr_{rng.getrandbits(48):012x}" if rng.random() < 0.5 else None)
        for _ in range(count)
    ]


def segment_message(rng: random.Random, person: Person, when: datetime) -> dict[str, Any]:
    """One analytics.js-style page or track message sent by ``person`` at ``when``."""
    host, path = rng.choice(_HOSTS), rng.choice(_PATHS)
    source, medium, name = rng.choice(_CAMPAIGNS)
    click = rng.choice(_CLICK_PARAMS)
    click_value = f"{rng.getrandbits(128):032x}"[: rng.randint(20, 32)]
    search = f"?utm_source={source}&utm_medium={medium}&utm_campaign={name}&{click}={click_value}"
    url = f"https://{host}{path}{search}"
    title, referrer = rng.choice(_TITLES), rng.choice(_REFERRERS)
    campaign = {"source": source, "medium": medium, "name": name}
    context: dict[str, Any] = {
        "page": {"path": path, "referrer": referrer, "title": title, "url": url},
        "campaign": campaign,
        "userAgent": rng.choice(_AGENTS),
        "ip": f"203.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "library": {"name": "analytics.js", "version": "npm:next-1.74.0"},
        "locale": rng.choice(_LOCALES),
    }
    sent = when + timedelta(milliseconds=rng.randint(5, 1500))
    received = sent + timedelta(milliseconds=rng.randint(20, 400))
    message: dict[str, Any] = {"type": "page" if rng.random() < 0.6 else "track"}
    if message["type"] == "page":
        message["name"] = title
        properties: dict[str, Any] = {"path": path, "title": title}
    else:
        message["event"] = rng.choice(_TRACKS)
        sku, product, category, brand, price = rng.choice(_PRODUCTS)
        quantity = rng.randint(1, 3)
        properties = {
            "product_id": sku, "name": product, "category": category, "brand": brand,
            "price": price, "quantity": quantity, "currency": "USD",
        }  # fmt: skip
    message.update(
        messageId=_uuid4(rng),
        anonymousId=person.anonymous_id,
        properties=properties,
        context=context,
        originalTimestamp=format_time(when),
        sentAt=format_time(sent),
        receivedAt=format_time(received),
    )
    if person.user_id and rng.random() < 0.7:
        message["userId"] = person.user_id
    return message


class EventStream:
    """An endless, seeded stream of normalized Events starting at event number ``start``.

    Two streams with different ``name`` s draw different message ids, so the prefill and the
    measured rows never collide; the measured stream continues the prefill's clock.
    """

    def __init__(
        self,
        seed: int,
        name: str,
        *,
        start: int = 0,
        pool: list[Person] | None = None,
        registry: ClickIdRegistry | None = None,
    ) -> None:
        self.rng = random.Random(f"{seed}-{name}")
        self.pool = pool if pool is not None else people(seed, 100_000)
        self.registry = registry or load_click_id_registry()
        self.index = start

    def messages(self, count: int) -> list[dict[str, Any]]:
        """The next ``count`` raw Segment messages."""
        rng, pool, out = self.rng, self.pool, []
        size = len(pool)
        for _ in range(count):
            # Skewed activity: low-numbered people are much busier than the long tail.
            person = pool[int(size * rng.random() ** 2)]
            when = T0 + timedelta(milliseconds=self.index * STEP_MS + rng.randint(0, STEP_MS))
            out.append(segment_message(rng, person, when))
            self.index += 1
        return out

    def events(self, count: int) -> list[Event]:
        """The next ``count`` messages, decoded and enriched like the collector does."""
        return [enrich(decode_message(m), self.registry) for m in self.messages(count)]

    def chunks(self, total: int, size: int) -> Iterator[list[Event]]:
        """``total`` events in lists of at most ``size``."""
        left = total
        while left > 0:
            n = min(size, left)
            yield self.events(n)
            left -= n
