"""Meta's own Python business SDK as an independent referee: its ``Normalize`` gives the
same hashes as ours where Meta's rules are unambiguous, and an ``EventRequest`` built from
the same conversion (captured offline, never sent) carries the same event."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from facebook_business.adobjects.serverside.action_source import ActionSource
from facebook_business.adobjects.serverside.custom_data import CustomData
from facebook_business.adobjects.serverside.event import Event
from facebook_business.adobjects.serverside.event_request import EventRequest
from facebook_business.adobjects.serverside.http_service_interface import HttpServiceInterface
from facebook_business.adobjects.serverside.normalize import Normalize
from facebook_business.adobjects.serverside.user_data import UserData
from martech_meta.destination import build_event
from martech_meta.user_data import hashed, normalize

from tests.meta_helpers import PIXEL, TOKEN, UA, conversion

AGREED = [
    ("em", " Person.Two@Example.COM "),
    ("em", "zoe_unal+ads@mail.example.co.uk"),
    ("em", "Zoë@Exämple.com"),
    ("ph", "+1 (650) 555-1212"),
    ("ph", "0044 20 7946 0958"),
    ("ph", "+49 30 901820"),
    ("fn", " Zoë "),
    ("ln", "ÜNAL"),
    ("fn", "李"),
    ("ct", "San Francisco"),
    ("st", "CA"),
    ("zp", "94035-1234"),
    ("country", "GB"),
]


@pytest.mark.parametrize(("name", "raw"), AGREED)
def test_our_hash_is_the_sdks_hash(name: str, raw: str) -> None:
    assert hashed(name, raw) == Normalize.normalize_field(name, raw)  # normalised and hashed


def test_where_we_follow_metas_docs_past_the_sdk() -> None:
    # Meta's docs: names in lower case *without punctuation*; the SDK only lower-cases.
    assert normalize("ln", "O'Brien") == "obrien"
    assert Normalize.normalize_field("ln", "O'Brien") == sha("o'brien")
    # A dotted phone number: digits only for us; the SDK fails on it.
    assert normalize("ph", "+1.650.555.1212") == "16505551212"
    with pytest.raises(ValueError, match="phone number"):
        Normalize.normalize_field("ph", "+1.650.555.1212")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Capture(HttpServiceInterface):  # type: ignore[misc]
    """An http client that keeps the request instead of sending it."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def execute(
        self, url: str, method: str, request_options: Any, headers: Any, params: Any
    ) -> Any:
        self.calls.append({"url": url, "method": method, "params": params})
        return {"events_received": len(params["data"])}


def test_the_sdk_sends_the_same_event_for_the_same_conversion() -> None:
    fields = {"user_data.ph": "+1 (650) 555-1212", "user_data.fn": "Zoë", "user_data.ln": "Ünal",
              "fbc_click_id": "IwAR2xYzAbCdEf", "fbc_click_time": 1764490000123}  # fmt: skip
    change = conversion("c1", **fields)
    ours = build_event(change)
    user = UserData(
        emails=[str(change.values["user_data.em"]).strip()],
        phones=["+1 (650) 555-1212"], first_names=["Zoë"], last_names=["Ünal"],
        client_user_agent=UA, fbc="fb.1.1764490000123.IwAR2xYzAbCdEf",
    )  # fmt: skip
    event = Event(
        event_name=ours["event_name"], event_time=ours["event_time"],
        event_id=ours["event_id"], action_source=ActionSource.WEBSITE,
        event_source_url=ours["event_source_url"], user_data=user,
        custom_data=CustomData(value=120.5, currency="EUR"),
    )  # fmt: skip
    client = Capture()
    EventRequest(PIXEL, [event], http_client=client, access_token=TOKEN).execute()
    (call,) = client.calls
    assert call["url"].endswith(f"/{PIXEL}/events") and call["params"]["access_token"] == TOKEN
    theirs = json.loads(call["params"]["data"][0])
    for name in ("event_name", "event_time", "event_id", "action_source", "event_source_url"):
        assert theirs[name] == ours[name], name
    for name in ("em", "ph", "fn", "ln"):
        assert theirs["user_data"][name] == [ours["user_data"][name]], name  # a list of one
    for name in ("client_user_agent", "fbc"):
        assert theirs["user_data"][name] == ours["user_data"][name], name
    assert theirs["custom_data"]["value"] == ours["custom_data"]["value"]
    assert theirs["custom_data"]["currency"].lower() == ours["custom_data"]["currency"].lower()
