"""Preflight lints: what Braze would refuse, or would do that the user did not mean.

Errors (nothing is sent):

- ``braze.attribute_name``: a name Braze refuses for a custom attribute: empty, starting
  with ``$``, or longer than 255 characters; ``braze.identifier_field``: an identifier
  (``braze_id``, ``user_alias``, ``_update_existing_only``) mapped as an attribute.
- ``braze.too_many_attributes``: more than 250 attributes mapped (a guard, not a documented
  Braze limit: every attribute is a billed data point and Braze warns about bloat).
- ``braze.clear_match_key``: a NULL would clear the identifier users are matched on.
- ``braze.empty_match`` / ``braze.invalid_alias``: no match value, or a ``user_alias`` not
  written ``label:name``; ``braze.duplicate_match``: two rows for the same user (both objects
  would be applied, the later winning, and each is a billed data point).
- ``braze.value_too_long``: a string over 255 characters (Braze's limit for custom
  attribute values); ``braze.value_type``: NaN or infinity (no JSON).

Warnings: ``braze.clear_deletes`` (a cleared NULL is sent as ``null``: Braze *deletes* the
attribute), ``braze.standard_attribute`` (a name Braze reads as a standard profile field,
with its own format), ``braze.remove_nulls_attributes`` (a mirror remove deletes the
synced attributes, never the user), ``braze.braze_id_creates_nothing`` (matching on
``braze_id`` updates only existing profiles).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from console import Lint, RowChange, SyncTarget

MAX_NAME_LENGTH = 255
MAX_VALUE_LENGTH = 255
MAX_ATTRIBUTES = 250
NOT_ATTRIBUTES = frozenset({"braze_id", "user_alias", "_update_existing_only"})
STANDARD = frozenset(
    {
        "country", "current_location", "date_of_first_session", "date_of_last_session",
        "dob", "email", "email_subscribe", "email_open_tracking_disabled",
        "email_click_tracking_disabled", "facebook", "first_name", "gender", "home_city",
        "language", "last_name", "marked_email_as_spam_at", "phone", "push_subscribe",
        "push_tokens", "subscription_groups", "time_zone", "twitter",
    }
)  # fmt: skip
"""Braze's standard user profile fields (its user attributes object): written in the same
object, but read with their own formats (``dob`` ``YYYY-MM-DD``, ``gender`` ``M``/``F``...)."""


def _field_lints(target: SyncTarget) -> list[Lint]:
    found = []
    for name in target.fields:
        if name == target.match_key:
            continue
        if name in NOT_ATTRIBUTES or name == "external_id":
            text = f"{name!r} identifies a Braze user; it cannot be written as an attribute"
            found.append(Lint("error", "braze.identifier_field", text, field=name))
        elif not name or name.startswith("$") or len(name) > MAX_NAME_LENGTH:
            text = (
                f"{name[:60]!r} cannot be a Braze custom attribute name (not empty, not "
                f"starting with '$', at most {MAX_NAME_LENGTH} characters)"
            )
            found.append(Lint("error", "braze.attribute_name", text, field=name))
        elif name in STANDARD:
            text = (
                f"{name!r} is Braze's standard profile field, not a custom attribute: its "
                "value must follow Braze's format for it (or rename the attribute)"
            )
            found.append(Lint("warning", "braze.standard_attribute", text, field=name))
    if len(target.fields) > MAX_ATTRIBUTES:
        text = f"{len(target.fields)} attributes mapped; keep a sync under {MAX_ATTRIBUTES}"
        found.append(Lint("error", "braze.too_many_attributes", text))
    if target.match_key in target.clear:
        text = f"a NULL would clear {target.match_key!r}, the identifier users are matched on"
        found.append(Lint("error", "braze.clear_match_key", text, field=target.match_key))
    for name in sorted(target.clear - {target.match_key}):
        text = f"a NULL in {name!r} is sent as null: Braze deletes the attribute from the profile"
        found.append(Lint("warning", "braze.clear_deletes", text, field=name))
    if target.match_key == "braze_id" and target.mode != "update":
        text = "Braze creates no profile for an unknown braze_id: new rows change nothing"
        found.append(Lint("warning", "braze.braze_id_creates_nothing", text, field="braze_id"))
    return found


def _row_lints(target: SyncTarget, change: RowChange) -> list[Lint]:
    key, found = change.key, []
    if not change.match:
        text = f"no value for the match key {target.match_key!r}"
        return [Lint("error", "braze.empty_match", text, field=target.match_key, row=key)]
    if target.match_key == "user_alias":
        label, sep, name = change.match.partition(":")
        if not sep or not label.strip() or not name:
            text = f"{change.match!r}: a user_alias match value is written label:name"
            found.append(Lint("error", "braze.invalid_alias", text, field="user_alias", row=key))
    if change.kind == "remove":
        text = (
            f"{change.match!r} left the model: its synced attributes are deleted (sent as "
            "null); the Braze user is kept"
        )
        found.append(Lint("warning", "braze.remove_nulls_attributes", text, row=key))
    for name, value in change.values.items():
        if isinstance(value, float) and not math.isfinite(value):
            text = f"{value!r} has no JSON form"
            found.append(Lint("error", "braze.value_type", text, field=name, row=key))
        elif isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
            text = f"{len(value):,} characters; Braze keeps at most {MAX_VALUE_LENGTH}"
            found.append(Lint("error", "braze.value_too_long", text, field=name, row=key))
    return found


def lint(target: SyncTarget, changes: Sequence[RowChange]) -> list[Lint]:
    """Every Braze rule the planned ``changes`` would break (see the module doc)."""
    found = _field_lints(target)
    first: dict[str, str] = {}
    for change in changes:
        found += _row_lints(target, change)
        if not change.match:
            continue
        if change.match in first:
            text = (
                f"{change.match!r} is the same user as row {first[change.match]!r}: both "
                "would be applied, the later winning; deduplicate the model"
            )
            found.append(
                Lint("error", "braze.duplicate_match", text, field=target.match_key, row=change.key)
            )
        else:
            first[change.match] = change.key
    return found
