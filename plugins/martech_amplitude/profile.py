"""Reading back a user's properties from Amplitude's User Profile API (``martech reconcile
amplitude``): ``GET https://profile-api.amplitude.com/v1/userprofile?user_id=<id>
&get_amp_props=true`` with ``Authorization: Api-Key <secret key>``, one user a request,
600 requests a minute for the whole organisation; no EU endpoint.

A 200 ``{"userData": {"user_id", "device_id", "amp_props": {...}}}`` is the user's
properties; ``{"error": "User id and device id not seen before"}`` (whatever its status)
means Amplitude has no such user. The attribution properties the Browser SDK (or a sync)
keeps are read as the user's touches: ``initial_utm_*`` (``$setOnce``: the first touch;
``EMPTY`` is unknown) and ``utm_*`` (``$set``: the latest).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from console import PlannedRequest, RateLimit, ReadBack, VendorAnswer, VendorRecord, VendorTouch

PROFILE_URL = "https://profile-api.amplitude.com"
PROFILE_PATH = "/v1/userprofile"
PROFILE_LIMIT = RateLimit(requests=600, seconds=60.0)
NOT_SEEN = "not seen before"
EMPTY = frozenset({"", "EMPTY", "(none)", "null", "undefined"})
_PARTS = ("source", "medium", "campaign")


def auth_headers(credentials: Mapping[str, str]) -> dict[str, str]:
    """``Authorization: Api-Key <secret key>`` (the project's secret key, not its API key)."""
    key = (credentials.get("secret_key") or "").strip()
    if not key:
        raise KeyError("secret_key")
    return {"Authorization": f"Api-Key {key}"}


def requests(matches: Sequence[str], fields: Sequence[str]) -> list[PlannedRequest]:
    """One profile request per user id (the API reads one user at a time)."""
    return [
        PlannedRequest(
            "GET",
            f"{PROFILE_PATH}?{urlencode({'user_id': user, 'get_amp_props': 'true'})}",
            (user,),
        )
        for user in matches
    ]


def _value(props: Mapping[str, Any], name: str) -> str | None:
    value = props.get(name)
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return None if text in EMPTY else text


def touch(props: Mapping[str, Any], prefix: str) -> VendorTouch | None:
    """``initial_utm_*`` (prefix ``initial_utm_``) or ``utm_*`` as a touch claim."""
    if not any(f"{prefix}{part}" in props for part in _PARTS):
        return None
    source, medium, campaign = (_value(props, f"{prefix}{part}") for part in _PARTS)
    shown = " / ".join(v for v in (source, medium, campaign) if v) or "EMPTY (unknown)"
    return VendorTouch(label=f"{prefix}*: {shown}", source=source, medium=medium, campaign=campaign)


def records(request: PlannedRequest, answer: VendorAnswer) -> list[VendorRecord]:
    """The user's record, or none when Amplitude has not seen the id."""
    body = answer.json()
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str) and NOT_SEEN in error:
        return []
    if answer.status != 200 or not isinstance(body, dict):
        raise ValueError(f"Amplitude answered {answer.status}: {error or 'no profile'}")
    data = body.get("userData")
    if not isinstance(data, dict):
        raise ValueError("Amplitude's profile answer has no userData")
    props = data.get("amp_props")
    props = props if isinstance(props, dict) else {}
    return [
        VendorRecord(
            match=request.rows[0],
            fields={**props, "user_id": data.get("user_id")},
            first=touch(props, "initial_utm_"),
            last=touch(props, "utm_"),
        )
    ]


def amplitude_read_back() -> ReadBack:
    """Users by user_id through the User Profile API."""
    return ReadBack(
        match_key="user_id",
        person_key="user_id",
        requests=requests,
        records=records,
        batch_size=50,
        base_url=PROFILE_URL,
        auth_headers=auth_headers,
        rate_limit=PROFILE_LIMIT,
        description="User Profile API (secret key): initial_utm_* / utm_* user properties",
    )
