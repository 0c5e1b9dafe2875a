"""Preflight lints: what Meta would refuse (often for the whole request), or would not match.

Errors (nothing is sent):

- ``meta.missing``: a row without ``event_name``, a readable ``event_time`` or
  ``action_source`` (a sync without them mapped is told once).
- ``meta.event_too_old``: an ``event_time`` more than 7 days ago (Meta fails the whole
  request); ``meta.event_in_future``: more than 10 minutes ahead.
- ``meta.action_source``: a value Meta does not know.
- ``meta.website_needs``: ``action_source = website`` without ``event_source_url`` and
  ``user_data.client_user_agent``.
- ``meta.no_customer_info``: an event with no customer information at all.
- ``meta.fbc_seconds``: an ``fbc_click_time`` (or the time in a mapped ``user_data.fbc``)
  in seconds: ``fbc`` needs milliseconds.
- ``meta.value_type``: a value Meta cannot take (NaN, infinity); ``meta.field``: a mapped
  field outside the convention (see :mod:`martech_meta.destination`).

Warnings: ``meta.invalid_email`` (left out: not an email), ``meta.phone_country_code``
(written without ``+`` or ``00``: Meta needs the country code), ``meta.currency`` (a
``custom_data.value`` without a three-letter ``custom_data.currency``).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence

from console import Lint, RowChange, SyncTarget
from martech_meta.user_data import (
    HASHED,
    MS_THRESHOLD,
    PLAIN,
    epoch_seconds,
    hashed,
    phone_has_country_code,
)

_CURRENCY = re.compile(r"[A-Za-z]{3}")
MAX_AGE_SECONDS = 7 * 24 * 3600
MAX_AHEAD_SECONDS = 600
ACTION_SOURCES = frozenset(
    {"email", "website", "app", "phone_call", "chat", "physical_store", "system_generated",
     "business_messaging", "other"}
)  # fmt: skip
REQUIRED = ("event_name", "event_time", "action_source")
TOP = frozenset({"event_id", *REQUIRED, "event_source_url", "fbc_click_id", "fbc_click_time",
                 "test_event_code"})  # fmt: skip
now: Callable[[], float] = time.time
"""The clock the 7-day rule is checked against (tests move it)."""
_FBC = re.compile(r"^fb\.\d+\.(\d+)\.")


def _field_ok(name: str) -> bool:
    if name in TOP or name.startswith("custom_data."):
        return True
    return name.startswith("user_data.") and name[len("user_data.") :] in (*HASHED, *PLAIN)


def _target_lints(target: SyncTarget) -> list[Lint]:
    found = []
    for name in target.fields:
        if not _field_ok(name):
            text = (
                f"{name!r} is not a Meta field: use event_*, user_data.<param>, custom_data.<name>"
            )
            found.append(Lint("error", "meta.field", text, field=name))
    for name in REQUIRED:
        if name not in target.fields:
            found.append(Lint("error", "meta.missing", f"map a column to {name!r}", field=name))
    return found


def _time_lints(change: RowChange, at: float) -> list[Lint]:
    raw = change.values.get("event_time")
    seconds = epoch_seconds(raw)
    if seconds is None:
        if "event_time" in change.values:
            text = f"event_time {raw!r} is not a time"
            return [Lint("error", "meta.missing", text, field="event_time", row=change.key)]
        return []
    if at - seconds > MAX_AGE_SECONDS:
        days = (at - seconds) / 86400
        text = f"the event is {days:.1f} days old: Meta refuses the whole request past 7 days"
        return [Lint("error", "meta.event_too_old", text, field="event_time", row=change.key)]
    if seconds - at > MAX_AHEAD_SECONDS:
        text = "the event is in the future: Meta refuses it"
        return [Lint("error", "meta.event_in_future", text, field="event_time", row=change.key)]
    return []


def _row_lints(change: RowChange, at: float) -> list[Lint]:
    values, key = change.values, change.key
    found = _time_lints(change, at)
    for name in REQUIRED:
        if name in values and values[name] in (None, "") and name != "event_time":
            found.append(Lint("error", "meta.missing", f"no {name}", field=name, row=key))
    source = values.get("action_source")
    if source not in (None, "") and source not in ACTION_SOURCES:
        text = f"{source!r} is not an action_source ({', '.join(sorted(ACTION_SOURCES))})"
        found.append(Lint("error", "meta.action_source", text, field="action_source", row=key))
    if source == "website":
        for name in ("event_source_url", "user_data.client_user_agent"):
            if not values.get(name):
                text = f"a website event needs {name}"
                found.append(Lint("error", "meta.website_needs", text, field=name, row=key))
    clicked = values.get("fbc_click_time")
    if (
        isinstance(clicked, (int, float))
        and not isinstance(clicked, bool)
        and clicked < MS_THRESHOLD
    ):
        text = f"fbc_click_time {clicked} looks like seconds: fbc needs milliseconds"
        found.append(Lint("error", "meta.fbc_seconds", text, field="fbc_click_time", row=key))
    fbc = _FBC.match(str(values.get("user_data.fbc") or ""))
    if fbc and len(fbc.group(1)) <= 10:
        text = "the time in user_data.fbc is in seconds: Meta expects milliseconds"
        found.append(Lint("error", "meta.fbc_seconds", text, field="user_data.fbc", row=key))
    return found


def _matching_lints(change: RowChange) -> list[Lint]:
    values, key = change.values, change.key
    found = []
    email = values.get("user_data.em")
    if email not in (None, "") and hashed("em", email) is None:
        text = f"{email!r} is not an email: left out of user_data"
        found.append(Lint("warning", "meta.invalid_email", text, field="user_data.em", row=key))
    phone = values.get("user_data.ph")
    if phone not in (None, "") and not phone_has_country_code(phone):
        text = f"{phone!r} has no + or 00: Meta matches only numbers with their country code"
        found.append(
            Lint("warning", "meta.phone_country_code", text, field="user_data.ph", row=key)
        )
    if "custom_data.value" in values and not _CURRENCY.fullmatch(
        str(values.get("custom_data.currency") or "")
    ):
        text = "custom_data.value needs a three-letter custom_data.currency (ISO 4217)"
        found.append(Lint("warning", "meta.currency", text, field="custom_data.currency", row=key))
    for name, value in values.items():
        if isinstance(value, float) and not math.isfinite(value):
            found.append(Lint("error", "meta.value_type", f"{value!r}", field=name, row=key))
    return found


def _has_customer_info(change: RowChange) -> bool:
    """True when the event will carry something Meta matches people on."""
    values = change.values
    if values.get("fbc_click_id") and values.get("fbc_click_time"):
        return True
    for name, value in values.items():
        if not name.startswith("user_data.") or value in (None, ""):
            continue
        param = name[len("user_data.") :]
        if param == "client_user_agent":
            continue
        if param not in HASHED or hashed(param, value) is not None:
            return True
    return False


def lint(target: SyncTarget, changes: Sequence[RowChange]) -> list[Lint]:
    """Every Meta rule the planned ``changes`` would break (see the module doc)."""
    at = now()
    found = _target_lints(target)
    for change in changes:
        if change.kind != "add":
            continue
        found += _row_lints(change, at)
        found += _matching_lints(change)
        if not _has_customer_info(change):
            text = "no customer information (email, phone, fbc, fbp, external_id, ...)"
            found.append(Lint("error", "meta.no_customer_info", text, row=change.key))
    return found
