"""Generate deterministic Segment sample data for martech-console.

Writes ``events.ndjson`` (Segment HTTP Tracking API messages, one per line, sorted by
``timestamp``) and ``mistakes.json`` (the tracking mistakes planted on purpose) next to this
script. Standard library only: a fixed seed and base date, so every run writes the same bytes.

Run: ``python sample_data/generate.py``
"""

from __future__ import annotations

import json
import random
import string
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

SEED = 20260601
PEOPLE = 400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BASE = datetime(2026, 6, 1, tzinfo=UTC)
END = datetime(2026, 9, 15, tzinfo=UTC)
SITE = "https://www.acme-analytics.io"
SITE_DOMAIN = "acme-analytics.io"
OUT_DIR = Path(__file__).resolve().parent

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
BASE_MS = (BASE - EPOCH) // timedelta(milliseconds=1)
END_MS = (END - EPOCH) // timedelta(milliseconds=1)

Message = dict[str, Any]
Call = tuple[str, Message]
"""A call made on a page: its type and body."""

# --------------------------------------------------------------------------- site

TITLES: dict[str, str] = {
    "/": "Acme Analytics - Marketing attribution for modern teams",
    "/pricing": "Pricing | Acme Analytics",
    "/features/attribution": "Multi-touch attribution | Acme Analytics",
    "/features/dashboards": "Dashboards | Acme Analytics",
    "/features/integrations": "Integrations | Acme Analytics",
    "/features/data-pipelines": "Data pipelines | Acme Analytics",
    "/blog/utm-naming-conventions": "UTM naming conventions that scale | Acme Blog",
    "/blog/first-vs-last-touch-attribution": "First vs. last touch attribution | Acme Blog",
    "/blog/server-side-tracking-guide": "A practical guide to server-side tracking | Acme Blog",
    "/blog/gclid-explained": "gclid, gbraid and wbraid explained | Acme Blog",
    "/blog/cookie-consent-2026": "Cookie consent in 2026 | Acme Blog",
    "/customers": "Customer stories | Acme Analytics",
    "/demo": "Book a demo | Acme Analytics",
    "/signup": "Start your free trial | Acme Analytics",
    "/login": "Log in | Acme Analytics",
    "/checkout": "Checkout | Acme Analytics",
}
BLOG = tuple(path for path in TITLES if path.startswith("/blog/"))
FEATURES = tuple(path for path in TITLES if path.startswith("/features/"))
BROWSE = ("/", "/pricing", "/customers", "/demo", *FEATURES, *BLOG)
GOAL_PATHS: dict[str, tuple[str, ...]] = {
    "browse": (),
    "signup": ("/pricing", "/signup"),
    "login": ("/login",),
    "order": ("/pricing", "/checkout"),
    "opportunity": ("/demo",),
}
APP_FEATURES = ("dashboards", "funnels", "alerts", "exports", "api_keys", "sso")
"""Features of the product a signed-up person uses ("Feature Used" events)."""
FEATURE_LIKING = (40, 25, 15, 10, 6, 4)
"""How much more often each feature is used than the next (a few dominate, as in real use)."""
PLANS: dict[str, tuple[str, float]] = {
    "starter": ("Acme Starter", 49.0),
    "pro": ("Acme Pro", 149.0),
    "business": ("Acme Business", 499.0),
}

# ------------------------------------------------------------------------ channels


@dataclass(frozen=True, slots=True)
class Channel:
    """How a visit arrives: its UTMs, click IDs, referrers and landing pages."""

    source: str = ""
    medium: str = ""
    campaigns: tuple[str, ...] = ()
    contents: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    click_ids: tuple[str, ...] = ()
    referrers: tuple[str, ...] = ("",)
    landings: tuple[str, ...] = ("/",)


SEARCH_TERMS = (
    "acme analytics",
    "marketing attribution software",
    "utm tracking tool",
    "first touch attribution",
    "segment alternative",
)
PAID_SEARCH_PAGES = ("/", "/pricing", "/features/attribution", "/demo")
SOCIAL_PAGES = ("/", "/features/attribution", "/features/dashboards", BLOG[1])
CONTENT_PAGES = (*BLOG, *FEATURES, "/", "/pricing")
GOOGLE_REFERRERS = ("https://www.google.com/",) * 3 + (
    "https://www.google.co.uk/",
    "https://www.google.de/",
)
REFERRAL_REFERRERS = (
    "https://news.ycombinator.com/item?id={id}",
    "https://www.g2.com/products/acme-analytics/reviews",
    "https://www.reddit.com/r/analytics/comments/{slug}/best_attribution_tool_for_b2b_saas/",
    "https://www.producthunt.com/products/acme-analytics",
    "https://dev.to/martech/server-side-tracking-in-2026-{slug}",
    "https://stackoverflow.com/questions/{id}/how-to-keep-utm-parameters-after-redirect",
    "https://t.co/{slug}",
    "https://www.linkedin.com/",
)
CHANNELS: dict[str, Channel] = {
    "google_cpc": Channel(
        "google",
        "cpc",
        ("brand_search_us", "generic_attribution_tools", "competitor_conquest"),
        ("rsa_headline_a", "rsa_headline_b"),
        SEARCH_TERMS,
        ("gclid",) * 4 + ("gbraid", "wbraid"),
        ("https://www.google.com/",),
        PAID_SEARCH_PAGES,
    ),
    "google_autotag": Channel(
        click_ids=("gclid",), referrers=("https://www.google.com/",), landings=PAID_SEARCH_PAGES
    ),
    "bing_cpc": Channel(
        "bing",
        "cpc",
        ("brand_search_us", "generic_attribution_tools"),
        ("text_ad_a",),
        SEARCH_TERMS,
        ("msclkid",),
        ("https://www.bing.com/",),
        PAID_SEARCH_PAGES,
    ),
    "bing_autotag": Channel(
        click_ids=("msclkid",), referrers=("https://www.bing.com/",), landings=PAID_SEARCH_PAGES
    ),
    "meta": Channel(
        "facebook",
        "paid_social",
        ("summer_launch_2026", "lookalike_saas_marketers"),
        ("carousel_v2", "video_15s", "static_testimonial"),
        (),
        ("fbclid",),
        ("https://l.facebook.com/", "https://m.facebook.com/", ""),
        SOCIAL_PAGES,
    ),
    "meta_retargeting": Channel(
        "facebook",
        "paid_social",
        ("retargeting_pricing_visitors",),
        ("static_testimonial", "video_15s"),
        (),
        ("fbclid",),
        ("https://l.facebook.com/", "https://m.facebook.com/"),
        ("/pricing", "/demo", "/customers"),
    ),
    "meta_untagged": Channel(
        click_ids=("fbclid",), referrers=("https://l.facebook.com/",), landings=SOCIAL_PAGES
    ),
    "instagram": Channel(
        "instagram",
        "paid_social",
        ("summer_launch_2026",),
        ("reel_30s", "story_swipe_up"),
        (),
        ("fbclid",),
        ("https://l.instagram.com/",),
        SOCIAL_PAGES,
    ),
    "tiktok": Channel(
        "tiktok",
        "paid_social",
        ("creator_series_q3", "summer_launch_2026"),
        ("spark_ad_01", "ugc_demo_video"),
        (),
        ("ttclid",),
        ("", "https://www.tiktok.com/"),
        SOCIAL_PAGES,
    ),
    "linkedin": Channel(
        "linkedin",
        "paid_social",
        ("abm_enterprise_q3", "webinar_attribution_masterclass", "lead_gen_demo"),
        ("single_image_cmo", "document_ad_guide"),
        (),
        ("li_fat_id",),
        ("https://www.linkedin.com/",),
        ("/", "/demo", "/features/attribution", "/customers"),
    ),
    "twitter": Channel(
        "twitter",
        "paid_social",
        ("summer_launch_2026", "dev_audience_test"),
        ("promoted_post_a",),
        (),
        ("twclid",),
        ("https://t.co/{slug}",),
        SOCIAL_PAGES,
    ),
    "newsletter": Channel(
        "newsletter",
        "email",
        ("weekly_digest", "product_update_july", "webinar_invite_aug"),
        ("header_cta", "hero_image", "footer_link"),
        referrers=("", "", "https://mail.google.com/"),
        landings=CONTENT_PAGES,
    ),
    "organic_google": Channel(referrers=GOOGLE_REFERRERS, landings=CONTENT_PAGES),
    "organic_bing": Channel(referrers=("https://www.bing.com/",), landings=CONTENT_PAGES),
    "organic_ddg": Channel(referrers=("https://duckduckgo.com/",), landings=CONTENT_PAGES),
    "referral": Channel(referrers=REFERRAL_REFERRERS, landings=("/", "/pricing", *BLOG[:3])),
    "direct": Channel(landings=("/", "/", "/pricing", "/features/attribution")),
}
FIRST_VISIT_WEIGHTS: dict[str, int] = {
    "google_cpc": 16,
    "google_autotag": 3,
    "bing_cpc": 5,
    "bing_autotag": 1,
    "meta": 10,
    "meta_untagged": 2,
    "instagram": 3,
    "tiktok": 5,
    "linkedin": 8,
    "twitter": 3,
    "organic_google": 14,
    "organic_bing": 3,
    "organic_ddg": 2,
    "referral": 10,
    "direct": 13,
    "newsletter": 1,
}
RETURN_VISIT_WEIGHTS: dict[str, int] = {
    "direct": 40,
    "organic_google": 10,
    "google_cpc": 8,
    "meta_retargeting": 6,
    "linkedin": 4,
    "referral": 5,
    "bing_cpc": 2,
    "tiktok": 2,
    "twitter": 1,
    "organic_ddg": 1,
    "newsletter": 12,
}

# --------------------------------------------------------------------- touch model

CLICK_ID_TOUCH: dict[str, tuple[str, str]] = {
    "gclid": ("google", "cpc"),
    "gbraid": ("google", "cpc"),
    "wbraid": ("google", "cpc"),
    "fbclid": ("facebook", "paid_social"),
    "ttclid": ("tiktok", "paid_social"),
    "li_fat_id": ("linkedin", "paid_social"),
    "msclkid": ("bing", "cpc"),
    "twclid": ("twitter", "paid_social"),
}
UTM_KEYS = ("source", "medium", "campaign", "content", "term")


@dataclass(frozen=True, slots=True)
class Touch:
    """One marketing touch: the five utm_* fields ("" when unknown)."""

    source: str
    medium: str
    campaign: str = ""
    content: str = ""
    term: str = ""

    def fields(self) -> list[tuple[str, str]]:
        """The non-empty fields, in utm_* order."""
        return [(key, getattr(self, key)) for key in UTM_KEYS if getattr(self, key)]

    def label(self) -> str:
        """A short human-readable form: source / medium / campaign."""
        return " / ".join(value for _, value in self.fields()[:3])


def referrer_host(referrer: str) -> str:
    """The referrer's host name without a leading ``www.``."""
    return (urlsplit(referrer).hostname or "").removeprefix("www.")


def is_external(referrer: str) -> bool:
    """True for a referrer from another site (not acme-analytics.io or a subdomain)."""
    host = referrer_host(referrer)
    return bool(host) and host != SITE_DOMAIN and not host.endswith("." + SITE_DOMAIN)


def search_engine(host: str) -> str | None:
    """The search engine a referrer host belongs to, or None."""
    if host.startswith("google."):
        return "google"
    return {"bing.com": "bing", "duckduckgo.com": "duckduckgo"}.get(host)


def touch_of(params: list[tuple[str, str]], referrer: str) -> Touch | None:
    """The marketing touch of a landing: UTMs, else a click ID, else an external referrer."""
    values = dict(reversed(params))
    if any(key.startswith("utm_") for key in values):
        return Touch(*(values.get(f"utm_{key}", "") for key in UTM_KEYS))
    for key in values:
        if key in CLICK_ID_TOUCH:
            return Touch(*CLICK_ID_TOUCH[key])
    if not is_external(referrer):
        return None
    host = referrer_host(referrer)
    engine = search_engine(host)
    return Touch(engine, "organic") if engine else Touch(host, "referral")


# ------------------------------------------------------------------------- random

ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"
LOWER_ALNUM = string.ascii_lowercase + string.digits


def rand_chars(rng: random.Random, alphabet: str, count: int) -> str:
    """``count`` characters drawn from ``alphabet``."""
    return "".join(rng.choice(alphabet) for _ in range(count))


def rand_uuid(rng: random.Random) -> str:
    """A uuid4 drawn from the seeded generator."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def click_id_value(rng: random.Random, param: str) -> str:
    """A click-ID value shaped like the real network's."""
    if param == "gclid":
        return "Cj0KCQjw" + rand_chars(rng, B64URL, 70) + rng.choice(("EALw_wcB", "_BwE"))
    if param == "gbraid":
        return "0AAAAA" + rand_chars(rng, B64URL, 32)
    if param == "wbraid":
        return "CkQKCAjw" + rand_chars(rng, B64URL, 48)
    if param == "fbclid":
        return "IwAR" + rand_chars(rng, B64URL, 57)
    if param == "ttclid":
        return "E.C.P." + rand_chars(rng, ALNUM, 64)
    if param == "li_fat_id":
        return rand_uuid(rng)
    if param == "msclkid":
        return rand_chars(rng, string.hexdigits[:16], 32)
    if param == "twclid":
        return "2-" + rand_chars(rng, LOWER_ALNUM, 25)
    raise ValueError(param)


def weighted(rng: random.Random, weights: dict[str, int]) -> str:
    """One key of ``weights``, drawn by weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def random_moment(rng: random.Random, low: int, high: int) -> int:
    """A time in [low, high), mostly in waking hours (07:00-23:00 UTC)."""
    while True:
        moment = rng.randrange(low, high)
        if 7 <= (moment % DAY) // HOUR < 23 or rng.random() < 0.2:
            return moment


def iso(ms: int) -> str:
    """ISO-8601 UTC with milliseconds and ``Z``."""
    moment = EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % SECOND:03d}Z"


# ------------------------------------------------------------------------ people

FIRST_NAMES = (
    "Ava", "Ben", "Chloe", "Daniel", "Elena", "Felix", "Grace", "Hugo", "Isla", "Jonas",
    "Kira", "Liam", "Maya", "Noah", "Olivia", "Priya", "Quinn", "Rafael", "Sofia", "Tomás",
    "Uma", "Victor", "Wen", "Yusuf", "Zoë", "Søren", "Amara", "Lena", "Marco", "Hannah",
)  # fmt: skip
LAST_NAMES = (
    "Anderson", "Becker", "Chen", "Dubois", "Evans", "Fischer", "García", "Hansen", "Ito",
    "Jensen", "Kowalski", "Larsen", "Müller", "Nakamura", "O'Brien", "Patel", "Rossi",
    "Schmidt", "Taylor", "Umarov", "Novak", "Walsh", "Young", "Zimmermann", "Silva",
)  # fmt: skip
COMPANIES = (
    "Northwind Traders", "Globex Corporation", "Initech", "Hooli", "Stark Retail",
    "Wayne Logistics", "Cyberdyne Systems", "Soylent Foods", "Vandelay Industries",
    "Pied Piper", "Aperture Labs", "Tyrell Media", "Wonka Confections", "Oscorp Health",
    "Blue Sun Travel", "Gringotts Fintech", "Monsters Inc", "Dunder Mifflin", "Prestige Worldwide",
    "Bluth Company", "Massive Dynamic", "Acme Widgets", "Nakatomi Trading", "Umbrella Biotech",
)  # fmt: skip
DESKTOP_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/149.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/149.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/149.0.0.0 Safari/537.36 Edg/149.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/26.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:152.0) Gecko/20100101 Firefox/152.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/149.0.0.0 Safari/537.36",
)
MOBILE_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/149.0.0.0 Mobile Safari/537.36",
)
LOCALES: dict[str, int] = {
    "en-US": 60,
    "en-GB": 12,
    "de-DE": 10,
    "fr-FR": 6,
    "es-ES": 5,
    "nl-NL": 4,
}
LIBRARY_VERSIONS = ("next-1.81.0", "next-1.81.0", "next-1.80.2", "next-1.79.1")


@dataclass(slots=True)
class Device:
    """One browser cookie jar: an anonymousId plus what analytics.js remembers."""

    anonymous_id: str
    user_agent: str
    locale: str
    library_version: str
    skew_ms: int
    user_id: str | None = None


@dataclass(slots=True)
class Landing:
    """The first page of a visit: path, query parameters and referrer."""

    path: str
    params: list[tuple[str, str]]
    referrer: str
    set_campaign: bool
    drop_referrer: bool = False

    @property
    def search(self) -> str:
        """The URL's query string with its ``?`` (empty when none)."""
        return "?" + urlencode(self.params) if self.params else ""

    @property
    def url(self) -> str:
        """The full landing URL."""
        return SITE + self.path + self.search


@dataclass(slots=True)
class Session:
    """One visit on one device; ``goal`` decides the pages and calls at its end."""

    start: int
    device: Device
    landing: Landing
    goal: str = "browse"
    extra_pages: int = 0
    mistake: str = ""
    detail: str = ""
    message: Message | None = None


@dataclass(slots=True)
class Person:
    """One human: their devices' sessions, identity scenario and traits."""

    number: int
    kind: str
    scenario: str = "anonymous"
    conversion: str = ""
    traits: dict[str, str] = field(default_factory=dict)
    sessions: list[Session] = field(default_factory=list)
    first: Touch | None = None
    last: Touch | None = None

    @property
    def user_id(self) -> str:
        """The userId this person gets when identified."""
        return f"usr_{self.number}"


def new_device(rng: random.Random, mobile: bool | None = None) -> Device:
    """A fresh browser with its own anonymousId."""
    if mobile is None:
        mobile = rng.random() < 0.3
    agent = rng.choice(MOBILE_AGENTS if mobile else DESKTOP_AGENTS)
    skew = 0 if rng.random() < 0.85 else rng.randint(-180, 180) * SECOND + rng.randrange(SECOND)
    return Device(rand_uuid(rng), agent, weighted(rng, LOCALES), rng.choice(LIBRARY_VERSIONS), skew)


def reset_device(rng: random.Random, device: Device) -> Device:
    """The same browser after its cookies were cleared: a new anonymousId, no userId."""
    return Device(
        rand_uuid(rng), device.user_agent, device.locale, device.library_version, device.skew_ms
    )


def fill_referrer(rng: random.Random, template: str) -> str:
    """A referrer URL with its ``{id}``/``{slug}`` placeholders filled."""
    return template.replace("{id}", str(rng.randint(44_000_000, 45_900_000))).replace(
        "{slug}", rand_chars(rng, LOWER_ALNUM, 10)
    )


def make_landing(rng: random.Random, channel_name: str, path: str | None = None) -> Landing:
    """A landing page of the given channel (UTMs, click ID, referrer)."""
    channel = CHANNELS[channel_name]
    params: list[tuple[str, str]] = []
    if channel.source:
        params += [
            ("utm_source", channel.source),
            ("utm_medium", channel.medium),
            ("utm_campaign", rng.choice(channel.campaigns)),
        ]
        if channel.terms and rng.random() < 0.7:
            params.append(("utm_term", rng.choice(channel.terms)))
        if channel.contents and rng.random() < 0.75:
            params.append(("utm_content", rng.choice(channel.contents)))
    if channel.click_ids:
        param = rng.choice(channel.click_ids)
        params.append((param, click_id_value(rng, param)))
    referrer = fill_referrer(rng, rng.choice(channel.referrers))
    set_campaign = bool(channel.source) and rng.random() < 0.6
    return Landing(path or rng.choice(channel.landings), params, referrer, set_campaign)


def return_landing(rng: random.Random, identified: bool, goal: str) -> Landing:
    """The landing of a returning visit (newsletter only once the person signed up)."""
    weights = dict(RETURN_VISIT_WEIGHTS)
    if not identified:
        del weights["newsletter"]
    channel = weighted(rng, weights)
    if goal == "login" and channel == "direct" and rng.random() < 0.7:
        return make_landing(rng, "direct", "/login")
    return make_landing(rng, channel)


def session_times(rng: random.Random, first: int, count: int, span: int) -> list[int]:
    """``count`` sorted visit start times: ``first`` and the rest within ``span`` ms after it."""
    later = [random_moment(rng, first + HOUR, first + span) for _ in range(count - 1)]
    return [first, *sorted(later)]


def page_count(rng: random.Random, kind: str) -> int:
    """How many pages a visit browses after its landing page."""
    if kind == "bounce" and rng.random() < 0.6:
        return 0
    return rng.choice((0, 1, 1, 2, 2, 3, 4))


def build_sessions(rng: random.Random, person: Person, times: list[int], device: Device) -> None:
    """Sessions on one device for the given start times (goals set afterwards)."""
    for index, start in enumerate(times):
        if index == 0:
            landing = make_landing(rng, weighted(rng, FIRST_VISIT_WEIGHTS))
        else:
            landing = return_landing(rng, False, "browse")
        person.sessions.append(
            Session(start, device, landing, "browse", page_count(rng, person.kind))
        )


def plan_visitor(rng: random.Random, person: Person) -> None:
    """An anonymous visitor: a bounce (1-2 visits) or a browser (2-4 visits)."""
    if person.kind == "bounce":
        count, span = rng.choice((1, 1, 1, 2)), rng.randint(1, 10) * DAY
    else:
        count, span = rng.randint(2, 4), rng.randint(3, 30) * DAY
    first = random_moment(rng, BASE_MS, END_MS - span - DAY)
    build_sessions(rng, person, session_times(rng, first, count, span), new_device(rng))


def plan_customer(rng: random.Random, person: Person) -> None:
    """A person who signs up, returns, maybe converts, in one identity scenario."""
    pre, post = rng.choice((0, 0, 1, 1, 2)), rng.randint(1, 5)
    span = rng.randint(20, 60) * DAY
    first = random_moment(rng, BASE_MS, END_MS - 65 * DAY)
    device = new_device(rng)
    build_sessions(rng, person, session_times(rng, first, pre + post + 1, span), device)
    signup = person.sessions[pre]
    signup.goal = "signup"
    person.traits = customer_traits(rng, person)
    person.scenario = weighted(
        rng, {"plain": 55, "cross_device": 25, "cookie_reset": 8, "alias": 6}
    )
    if rng.random() < 0.5:
        add_conversion(rng, person, signup)
    apply_scenario(rng, person, pre)
    for session in person.sessions[pre + 1 :]:
        session.landing = return_landing(rng, True, session.goal)


def customer_traits(rng: random.Random, person: Person) -> dict[str, str]:
    """Identify traits: email, name, plan, company."""
    return {
        "email": f"user{person.number}@example.com",
        "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        "plan": "trial",
        "company": rng.choice(COMPANIES),
    }


def add_conversion(rng: random.Random, person: Person, signup: Session) -> None:
    """A conversion visit some weeks after the first visit (and after the signup)."""
    person.conversion = rng.choice(("order", "order", "opportunity"))
    at = person.sessions[0].start + rng.randint(14, 42) * DAY + rng.randrange(DAY)
    if at <= signup.start + HOUR:
        at = signup.start + rng.randint(1, 10) * DAY
    session = Session(at, signup.device, signup.landing, person.conversion, rng.randint(0, 2))
    person.sessions.append(session)
    person.sessions.sort(key=lambda item: item.start)


def apply_scenario(rng: random.Random, person: Person, signup_index: int) -> None:
    """Devices and login visits for a cross-device, cookie-reset or alias scenario."""
    sessions = person.sessions
    later = [i for i in range(signup_index + 1, len(sessions)) if sessions[i].goal == "browse"]
    if person.scenario == "alias":
        if later:
            sessions[later[0]].goal = "login"
        return
    if person.scenario == "plain" or not later:
        person.scenario = "plain"
        return
    switch = rng.choice(later)
    first_device = sessions[0].device
    if person.scenario == "cross_device":
        other = new_device(rng, mobile=first_device.user_agent in DESKTOP_AGENTS)
    else:
        other = reset_device(rng, first_device)
    anonymous_first = (
        rng.random() < 0.4 and switch + 1 < len(sessions) and sessions[switch + 1].goal == "browse"
    )
    login = switch + 1 if anonymous_first else switch
    for index in range(switch, len(sessions)):
        session = sessions[index]
        if index in (switch, login) or person.scenario == "cookie_reset":
            session.device = other
        elif session.goal == "browse" and index > login:
            session.device = other if rng.random() < 0.4 else first_device
    sessions[login].goal = "login"


def plan_people(rng: random.Random) -> list[Person]:
    """Every person's visits, planned before any message is written."""
    people = []
    for index in range(PEOPLE):
        kind = weighted(rng, {"bounce": 40, "browser": 22, "customer": 38})
        person = Person(1000 + index, kind)
        if kind == "customer":
            plan_customer(rng, person)
        else:
            plan_visitor(rng, person)
        people.append(person)
    return people


# ---------------------------------------------------------------------- mistakes

UPPERCASE = {
    "google": "Google",
    "bing": "Bing",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "tiktok": "TikTok",
    "twitter": "Twitter",
    "newsletter": "Newsletter",
    "cpc": "CPC",
    "paid_social": "Paid_Social",
    "email": "Email",
}
CLICK_ID_SWAP = {"fbclid": "gclid", "gclid": "msclkid", "msclkid": "gclid", "li_fat_id": "fbclid"}
NETWORK = {
    "gclid": "Google Ads",
    "gbraid": "Google Ads",
    "wbraid": "Google Ads",
    "fbclid": "Meta",
    "ttclid": "TikTok",
    "li_fat_id": "LinkedIn",
    "msclkid": "Microsoft Ads",
    "twclid": "X",
}


def first_touch_session(person: Person) -> Session | None:
    """The session that sets the person's first touch (by the clean rules)."""
    for session in person.sessions:
        if touch_of(session.landing.params, session.landing.referrer):
            return session
    return None


Candidate = tuple[Person, Session]


def pick(
    rng: random.Random, candidates: list[Candidate], used: set[int], count: int
) -> list[Session]:
    """Up to ``count`` candidate sessions, at most one per person, none already used."""
    chosen: list[Session] = []
    for person, session in rng.sample(candidates, len(candidates)):
        if person.number not in used and len(chosen) < count:
            used.add(person.number)
            chosen.append(session)
    return chosen


def landing_sessions(people: list[Person]) -> list[Candidate]:
    """Every (person, session) pair, in plan order."""
    return [(person, session) for person in people for session in person.sessions]


def key_fields(touch: Touch | None) -> tuple[str, ...]:
    """A touch's source, medium and campaign (empty when no touch)."""
    return (touch.source, touch.medium, touch.campaign) if touch else ()


def plant_first_touch_changed(rng: random.Random, people: list[Person], used: set[int]) -> None:
    """Mark 3 later touches that will (wrongly) overwrite the person's first touch."""
    candidates: list[Candidate] = []
    for person in people:
        first = first_touch_session(person)
        if first is None:
            continue
        first_key = key_fields(touch_of(first.landing.params, first.landing.referrer))
        for session in person.sessions[person.sessions.index(first) + 1 :]:
            key = key_fields(touch_of(session.landing.params, session.landing.referrer))
            if key and key != first_key and dict(session.landing.params).get("utm_campaign"):
                candidates.append((person, session))
                break
    for session in pick(rng, candidates, used, 3):
        session.mistake = "first_touch_changed"


def plant_uppercase(rng: random.Random, people: list[Person], used: set[int]) -> None:
    """Mixed-case utm_source/utm_medium on 4 later (not first-touch) UTM landings."""
    candidates = [
        (person, session)
        for person, session in landing_sessions(people)
        if dict(session.landing.params).get("utm_source") in UPPERCASE
        and session is not first_touch_session(person)
    ]
    for session in pick(rng, candidates, used, 4):
        landing = session.landing
        landing.params = [
            (key, UPPERCASE[value] if key in ("utm_source", "utm_medium") else value)
            for key, value in landing.params
        ]
        landing.set_campaign = True
        values = dict(landing.params)
        session.mistake = "uppercase_utm"
        session.detail = (
            f"Landing URL and context.campaign carry utm_source={values['utm_source']} and "
            f"utm_medium={values['utm_medium']}; the taxonomy expects lowercase "
            f"({values['utm_source'].lower()} / {values['utm_medium'].lower()})."
        )


def plant_click_id_mismatch(rng: random.Random, people: list[Person], used: set[int]) -> None:
    """Swap the click ID of 3 tagged landings for another network's."""
    candidates = [
        (person, session)
        for person, session in landing_sessions(people)
        if "utm_source" in dict(session.landing.params)
        and any(key in CLICK_ID_SWAP for key, _ in session.landing.params)
    ]
    for session in pick(rng, candidates, used, 3):
        landing = session.landing
        old = next(key for key, _ in landing.params if key in CLICK_ID_SWAP)
        new = CLICK_ID_SWAP[old]
        landing.params = [
            (new, click_id_value(rng, new)) if key == old else (key, value)
            for key, value in landing.params
        ]
        source = dict(landing.params)["utm_source"]
        session.mistake = "click_id_source_mismatch"
        session.detail = (
            f"Landing URL has {new} (a {NETWORK[new]} click ID) but utm_source={source}; "
            f"the click ID's network disagrees with the source."
        )


def plant_missing_referrer(rng: random.Random, people: list[Person], used: set[int]) -> None:
    """Drop the referrer key from 3 campaign landings that came from another site."""
    candidates = [
        (person, session)
        for person, session in landing_sessions(people)
        if session.landing.params and is_external(session.landing.referrer)
    ]
    for session in pick(rng, candidates, used, 3):
        session.landing.drop_referrer = True
        session.mistake = "missing_referrer"
        session.detail = (
            f"Page view arrived from {session.landing.referrer} but has no referrer key "
            f"in context.page or properties (an empty string would mean direct)."
        )


def plant_mistakes(rng: random.Random, people: list[Person]) -> None:
    """Plant every kind of deliberate mistake, each on a different person."""
    used: set[int] = set()
    plant_first_touch_changed(rng, people, used)
    plant_uppercase(rng, people, used)
    plant_click_id_mismatch(rng, people, used)
    plant_missing_referrer(rng, people, used)


# ---------------------------------------------------------------------- messages


@dataclass(slots=True)
class Emitter:
    """Builds Segment messages and collects them with their server-side timestamp."""

    rng: random.Random
    records: list[tuple[int, int, Message]] = field(default_factory=list)

    def emit(
        self,
        at: int,
        device: Device,
        kind: str,
        body: Message,
        page: Message,
        campaign: Message | None = None,
    ) -> Message:
        """One message sent from ``device`` at true time ``at`` (ms)."""
        message: Message = {"type": kind, "messageId": rand_uuid(self.rng)}
        message["anonymousId"] = device.anonymous_id
        if device.user_id:
            message["userId"] = device.user_id
        message.update(body)
        message["context"] = context(device, page, campaign)
        original = at + device.skew_ms
        latency = self.rng.randint(20, 250)
        message["originalTimestamp"] = iso(original)
        message["sentAt"] = iso(original + self.rng.randint(200, 3500))
        message["timestamp"] = iso(at + latency)
        self.records.append((at + latency, len(self.records), message))
        return message


def context(device: Device, page: Message, campaign: Message | None) -> Message:
    """The analytics.js context of a message."""
    ctx: Message = {}
    if campaign:
        ctx["campaign"] = campaign
    ctx["library"] = {"name": "analytics.js", "version": device.library_version}
    ctx["locale"] = device.locale
    ctx["page"] = dict(page)
    ctx["userAgent"] = device.user_agent
    return ctx


def page_info(url: str, path: str, referrer: str | None, search: str) -> Message:
    """The page fields analytics.js records (referrer omitted when None)."""
    info: Message = {"path": path}
    if referrer is not None:
        info["referrer"] = referrer
    info.update(search=search, title=TITLES[path], url=url)
    return info


def campaign_context(landing: Landing) -> Message | None:
    """``context.campaign`` as analytics.js parses it from the URL, when this source sets it."""
    if not landing.set_campaign:
        return None
    values = dict(landing.params)
    names = {"source": "source", "medium": "medium", "campaign": "name"}
    names.update(term="term", content="content")
    return {name: values[f"utm_{key}"] for key, name in names.items() if f"utm_{key}" in values}


def state_properties(person: Person) -> Message:
    """The reported utm_first_*/utm_last_* properties (unknown ones omitted)."""
    props: Message = {}
    for prefix, touch in (("utm_first", person.first), ("utm_last", person.last)):
        if touch:
            props.update({f"{prefix}_{key}": value for key, value in touch.fields()})
    return props


def apply_touch(person: Person, session: Session) -> None:
    """Update the person's first/last touch for a landing (the planted bug included)."""
    landing = session.landing
    touch = touch_of(landing.params, landing.referrer)
    if touch is None:
        return
    if session.mistake == "first_touch_changed" and person.first:
        session.detail = (
            f"utm_first_* changed from {person.first.label()} to {touch.label()} on this page "
            "view; the tracking overwrote the first touch with a later campaign."
        )
        person.first = touch
    elif person.first is None:
        person.first = touch
    person.last = touch


def session_paths(rng: random.Random, session: Session) -> list[str]:
    """Landing page, some browsing, then the pages of the visit's goal."""
    paths = [session.landing.path]
    for _ in range(session.extra_pages):
        paths.append(rng.choice([path for path in BROWSE if path != paths[-1]]))
    paths += [path for path in GOAL_PATHS[session.goal] if path not in paths]
    return paths


def emit_session(em: Emitter, person: Person, session: Session) -> int:
    """Every message of one visit; returns the time its last message was sent."""
    rng, device, at = em.rng, session.device, session.start
    previous_url, goal_done = "", False
    goal_path = GOAL_PATHS[session.goal][-1] if GOAL_PATHS[session.goal] else ""
    for index, path in enumerate(session_paths(rng, session)):
        if index == 0:
            landing = session.landing
            url, search, campaign = landing.url, landing.search, campaign_context(landing)
            referrer: str | None = None if landing.drop_referrer else landing.referrer
            apply_touch(person, session)
        else:
            url, search, campaign, referrer = SITE + path, "", None, previous_url
        page = page_info(url, path, referrer, search)
        body: Message = {"properties": {**page, **state_properties(person)}}
        message = em.emit(at, device, "page", body, page, campaign)
        if index == 0:
            session.message = message
        goal_page = path == goal_path and not goal_done
        goal_done = goal_done or goal_page
        calls = actions_for(rng, person, session, path, goal_page)
        at = emit_calls(em, person, session, calls, page, at + rng.randint(1500, 6000))
        at += rng.randint(8 * SECOND, 4 * MINUTE)
        previous_url = url
    return at


def emit_calls(
    em: Emitter, person: Person, session: Session, calls: list[Call], page: Message, at: int
) -> int:
    """Send a page's track/identify/alias/group calls; returns the next free time."""
    for kind, body in calls:
        if kind == "identify":
            session.device.user_id = person.user_id
        em.emit(at, session.device, kind, body, page)
        at += em.rng.randint(1200, 5000)
    return at


def actions_for(
    rng: random.Random, person: Person, session: Session, path: str, goal_page: bool
) -> list[Call]:
    """The (type, body) calls a page triggers; the goal's calls only on its goal page."""
    goal = session.goal
    if goal_page and goal == "signup":
        return signup_calls(rng, person, session)
    if goal_page and goal == "login":
        return [identify_call(person, {"email": person.traits["email"]})]
    if goal_page and goal == "order":
        return order_calls(rng, person, session)
    if goal_page and goal == "opportunity":
        return opportunity_calls(rng, person)
    if path == "/pricing" and rng.random() < 0.35:
        return [product_viewed(rng)]
    return []


def identify_call(person: Person, traits: Message) -> Call:
    """An identify call with the person's userId."""
    return "identify", {"userId": person.user_id, "traits": traits}


def track(event: str, properties: Message) -> Call:
    """A track call."""
    return "track", {"event": event, "properties": properties}


def product_viewed(rng: random.Random) -> Call:
    """A plan's Product Viewed."""
    plan = rng.choice(list(PLANS))
    name, price = PLANS[plan]
    properties = {"product_id": f"plan_{plan}", "name": name, "category": "subscription"}
    return track("Product Viewed", {**properties, "price": price, "currency": "USD"})


def signup_calls(rng: random.Random, person: Person, session: Session) -> list[Call]:
    """Identify (or alias) and Signed Up; sometimes a group call for the company."""
    method = rng.choice(("email", "email", "google"))
    if person.scenario == "alias":
        anonymous_id = session.device.anonymous_id
        calls = [("alias", {"previousId": anonymous_id, "userId": person.user_id})]
    else:
        calls = [identify_call(person, dict(person.traits))]
    calls.append(track("Signed Up", {"method": method, "plan": "trial"}))
    if person.scenario != "alias" and rng.random() < 0.3:
        company = person.traits["company"]
        group_id = "grp_" + company.lower().replace(" ", "_")
        traits = {"name": company, "plan": "trial", "employees": rng.choice((12, 45, 180, 900))}
        calls.append(("group", {"groupId": group_id, "traits": traits}))
    return calls


def currency_for(locale: str) -> str:
    """The checkout currency for a browser locale."""
    return {"en-US": "USD", "en-GB": "GBP"}.get(locale, "EUR")


def order_calls(rng: random.Random, person: Person, session: Session) -> list[Call]:
    """Checkout Started, Order Completed and an identify with the new plan."""
    plan = rng.choice(("starter", "pro", "pro", "business"))
    billing = rng.choice(("monthly", "annual"))
    name, price = PLANS[plan]
    revenue = price * 10 if billing == "annual" else price
    currency = currency_for(session.device.locale)
    order_id = f"ORD-2026-{person.number:05d}"
    product = {"product_id": f"plan_{plan}", "name": name, "price": revenue, "quantity": 1}
    started = {"order_id": order_id, "value": revenue, "currency": currency}
    completed = {
        "order_id": order_id,
        "revenue": revenue,
        "currency": currency,
        "plan": plan,
        "billing": billing,
        "products": [product],
    }
    person.traits["plan"] = plan
    return [
        track("Checkout Started", {**started, "products": [product]}),
        track("Order Completed", completed),
        identify_call(person, {"plan": plan}),
    ]


def opportunity_calls(rng: random.Random, person: Person) -> list[Call]:
    """Demo Requested, then Opportunity Created from the sales form."""
    size = rng.choice(("11-50", "51-200", "201-1000", "1000+"))
    opportunity = {
        "opportunity_id": "006" + rand_chars(rng, ALNUM, 15),
        "amount": rng.choice((12000, 18000, 24000, 36000, 48000, 60000)),
        "currency": "USD",
        "stage": rng.choice(("Qualification", "Discovery")),
        "company": person.traits["company"],
    }
    return [
        track("Demo Requested", {"company_size": size, "company": person.traits["company"]}),
        track("Opportunity Created", opportunity),
    ]


def emit_feature_use(em: Emitter, person: Person) -> None:
    """ "Feature Used" calls in the app during visits made after signing up, identified.

    Drawn from their own random stream (``em.rng``), so adding them left every other
    message of the sample data as it was.
    """
    signups = [s.start for s in person.sessions if s.goal == "signup"]
    if not signups:
        return
    rng, favourite = em.rng, em.rng.choice(APP_FEATURES)
    for session in person.sessions:
        if session.start < signups[0] or session.device.user_id != person.user_id:
            continue
        if rng.random() >= 0.5:
            continue
        at = session.start + rng.randint(3, 12) * MINUTE
        for _ in range(rng.randint(1, 3)):
            feature = favourite if rng.random() < 0.5 else pick_feature(rng)
            page = {"path": f"/app/{feature}", "referrer": SITE + "/app", "search": "",
                    "title": "Acme Analytics app", "url": f"{SITE}/app/{feature}"}  # fmt: skip
            properties = {"feature": feature, "plan": person.traits.get("plan", "trial")}
            em.emit(at, session.device, "track", {"event": "Feature Used",
                    "properties": properties}, page)  # fmt: skip
            at += rng.randint(20 * SECOND, 3 * MINUTE)


def pick_feature(rng: random.Random) -> str:
    """A feature, the popular ones more often."""
    return rng.choices(APP_FEATURES, weights=FEATURE_LIKING)[0]


def emit_person(em: Emitter, person: Person) -> None:
    """All of a person's visits in order, at least 45 minutes apart."""
    free = 0
    for session in person.sessions:
        session.start = max(session.start, free + 45 * MINUTE + em.rng.randrange(30 * MINUTE))
        free = emit_session(em, person, session)


# ------------------------------------------------------------------------ output


def mistake_records(people: list[Person]) -> list[Message]:
    """One record per planted mistake, grouped by kind, in time order."""
    order = ["uppercase_utm", "click_id_source_mismatch", "missing_referrer", "first_touch_changed"]
    records = []
    for person in people:
        for session in person.sessions:
            if session.mistake and session.message:
                message = session.message
                records.append(
                    {
                        "kind": session.mistake,
                        "message_id": message["messageId"],
                        "user_id": message.get("userId"),
                        "anonymous_id": message["anonymousId"],
                        "detail": session.detail,
                        "_sort": (order.index(session.mistake), message["timestamp"]),
                    }
                )
    records.sort(key=lambda record: record["_sort"])
    for record in records:
        del record["_sort"]
    return records


def generate() -> tuple[list[Message], list[Message]]:
    """Plan people, plant mistakes, emit messages; returns (events, mistakes)."""
    rng = random.Random(SEED)
    people = plan_people(rng)
    plant_mistakes(rng, people)
    em = Emitter(rng)
    for person in people:
        emit_person(em, person)
    usage = Emitter(random.Random(SEED + 1), em.records)
    for person in people:
        emit_feature_use(usage, person)
    em.records.sort(key=lambda record: (record[0], record[1]))
    return [record[2] for record in em.records], mistake_records(people)


def main(out_dir: Path = OUT_DIR) -> None:
    """Write events.ndjson and mistakes.json to ``out_dir`` (default: next to this script)."""
    events, mistakes = generate()
    lines = (json.dumps(event, ensure_ascii=False, separators=(",", ":")) for event in events)
    (out_dir / "events.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = json.dumps(mistakes, ensure_ascii=False, indent=2) + "\n"
    (out_dir / "mistakes.json").write_text(text, encoding="utf-8")
    print(f"wrote {len(events)} events and {len(mistakes)} mistakes to {out_dir}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT_DIR)
