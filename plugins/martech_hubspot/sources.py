"""Reading back what HubSpot holds for contacts: its Original and Latest Source, and the
properties a sync wrote (``martech reconcile hubspot``).

``POST /crm/v3/objects/contacts/batch/read`` by email, 100 a request, asking for
``hs_analytics_source`` (Original Source), ``hs_latest_source`` (Latest Source), their
drill-downs ``_data_1`` / ``_data_2`` and the properties a sync wrote. A 200 (or a 207 whose
errors are ``OBJECT_NOT_FOUND``) names every contact HubSpot has; an email it does not name
has no contact.

HubSpot's source categories and the product's channels (the GA4 default channel group):

=================  =================  ====================================================
HubSpot category   shown as           our channels it agrees with
=================  =================  ====================================================
PAID_SEARCH        Paid Search        Paid Search, Paid Shopping
ORGANIC_SEARCH     Organic Search     Organic Search, Organic Shopping
PAID_SOCIAL        Paid Social        Paid Social
SOCIAL_MEDIA       Organic Social     Organic Social, Organic Video
EMAIL_MARKETING    Email Marketing    Email
REFERRALS          Referrals          Referral
AI_REFERRALS       AI Referrals       Referral
DIRECT_TRAFFIC     Direct Traffic     Direct (no touch)
OTHER_CAMPAIGNS    Other Campaigns    channels HubSpot has no category of its own for
                                      (Display, Affiliates, Paid Video, Audio, SMS, ...)
OFFLINE            Offline Sources    none: created by the API, an import or a CRM
                                      integration; never compared
=================  =================  ====================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from console import PlannedRequest, ReadBack, VendorAnswer, VendorRecord, VendorTouch
from martech_hubspot.properties import RECORD_ID

READ_PATH = "/crm/v3/objects/contacts/batch/read"
BATCH_SIZE = 100
ORIGINAL, LATEST = "hs_analytics_source", "hs_latest_source"
SOURCE_PROPERTIES = tuple(
    f"{name}{suffix}" for name in (ORIGINAL, LATEST) for suffix in ("", "_data_1", "_data_2")
)
OTHER_CAMPAIGN_CHANNELS = (
    "Cross-network",
    "Display",
    "Paid Video",
    "Paid Other",
    "Affiliates",
    "Audio",
    "SMS",
    "Mobile Push Notifications",
    "Unassigned",
)
"""Our channels HubSpot has no category for: tagged traffic it files as Other Campaigns."""
CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "PAID_SEARCH": ("Paid Search", ("Paid Search", "Paid Shopping")),
    "ORGANIC_SEARCH": ("Organic Search", ("Organic Search", "Organic Shopping")),
    "PAID_SOCIAL": ("Paid Social", ("Paid Social",)),
    "SOCIAL_MEDIA": ("Organic Social", ("Organic Social", "Organic Video")),
    "EMAIL_MARKETING": ("Email Marketing", ("Email",)),
    "REFERRALS": ("Referrals", ("Referral",)),
    "AI_REFERRALS": ("AI Referrals", ("Referral",)),
    "DIRECT_TRAFFIC": ("Direct Traffic", ("Direct",)),
    "OTHER_CAMPAIGNS": ("Other Campaigns", OTHER_CAMPAIGN_CHANNELS),
    "OFFLINE": ("Offline Sources", ()),
}
"""HubSpot's source category -> (its name in HubSpot's UI, our channels it agrees with);
no channels: no equivalent, never compared."""


def source_touch(properties: Mapping[str, Any], name: str, side: str) -> VendorTouch | None:
    """HubSpot's Original (``side`` = Original Source) or Latest Source as a claim."""
    raw = properties.get(name)
    if not raw:
        return None
    category = str(raw).strip().upper()
    shown, channels = CATEGORIES.get(category, (category.replace("_", " ").title(), ()))
    drill = [str(properties[n]) for n in (f"{name}_data_1", f"{name}_data_2") if properties.get(n)]
    return VendorTouch(label=f"{side}: {shown}", channels=channels, detail=" / ".join(drill))


def read_back(match_key: str, matches: Sequence[str], properties: Sequence[str]) -> PlannedRequest:
    """``POST .../batch/read`` for up to 100 contacts by ``match_key`` (rows: the match
    values), asking for ``properties`` (HubSpot's source properties included)."""
    if len(matches) > BATCH_SIZE:
        raise ValueError(f"HubSpot reads at most {BATCH_SIZE} contacts a request")
    body: dict[str, Any] = {"inputs": [{"id": m} for m in matches]}
    if match_key != RECORD_ID:
        body["idProperty"] = match_key
    body["properties"] = list(properties)
    body["propertiesWithHistory"] = []
    return PlannedRequest(
        "POST", READ_PATH, tuple(matches), json=body, headers={"Content-Type": "application/json"}
    )


def requests(matches: Sequence[str], fields: Sequence[str]) -> list[PlannedRequest]:
    """One ``batch/read`` by email for up to 100 contacts."""
    wanted = list(dict.fromkeys([*SOURCE_PROPERTIES, "email", *fields]))
    return [read_back("email", matches, wanted)]


def records(request: PlannedRequest, answer: VendorAnswer) -> list[VendorRecord]:
    """The contacts a ``batch/read`` answer names, matched back to the emails asked for."""
    body = answer.json()
    if answer.status not in (200, 207) or not isinstance(body, dict):
        message = body.get("message") if isinstance(body, dict) else None
        raise ValueError(
            f"HubSpot answered {answer.status} to batch/read: {message or answer.body[:200]!r}"
        )
    errors = [e for e in body.get("errors", []) if isinstance(e, dict)]
    odd = [e for e in errors if e.get("category") != "OBJECT_NOT_FOUND"]
    if odd:
        raise ValueError(f"HubSpot: {odd[0].get('message') or odd[0].get('category')}")
    asked = {m.strip().lower(): m for m in request.rows}
    out = []
    for result in body.get("results", []):
        props = result.get("properties") if isinstance(result, dict) else None
        if not isinstance(props, dict):
            continue
        match = asked.get(str(props.get("email") or "").strip().lower())
        if match is None:
            continue
        out.append(
            VendorRecord(
                match=match,
                fields=props,
                first=source_touch(props, ORIGINAL, "Original Source"),
                last=source_touch(props, LATEST, "Latest Source"),
                remote_id=str(result.get("id")) if result.get("id") is not None else None,
            )
        )
    return out


def hubspot_read_back() -> ReadBack:
    """Contacts by email: Original/Latest Source and the synced properties."""
    return ReadBack(
        match_key="email",
        person_key="email",
        requests=requests,
        records=records,
        batch_size=BATCH_SIZE,
        description="contacts batch/read by email: Original/Latest Source and drill-downs",
    )
