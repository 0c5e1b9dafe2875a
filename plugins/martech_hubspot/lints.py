"""Preflight lints: what HubSpot would refuse, or would do that the user did not mean.

Errors (nothing is sent):

- ``hubspot.read_only``: a mapped property HubSpot computes (``hs_analytics_*``,
  ``hs_latest_source*``, ``hs_object_id``, ``createdate``, ``lastmodifieddate``, ...).
- ``hubspot.property_name``: a name HubSpot cannot have (lowercase letter, then lowercase
  letters, digits, underscores).
- ``hubspot.clear_match_key``: a NULL that would clear the property matched on.
- ``hubspot.invalid_email``: a match value that is not a plausible email (spaces around it
  included) when matching on ``email``; ``hubspot.empty_match``: no match value at all.
- ``hubspot.duplicate_match``: two rows for the same contact (emails compared without case
  or surrounding spaces): HubSpot refuses a batch naming one record twice, and the rows
  would overwrite each other anyway.
- ``hubspot.value_too_long``: a value over 65,536 characters; ``hubspot.value_type``: a
  value with no HubSpot text (a nested object, NaN, infinity).
- ``hubspot.archive_needs_id``: a mirror remove with no known contact id (HubSpot archives
  by id only, and answers 204 for an email it was given instead).

Warnings: ``hubspot.email_case``: HubSpot keeps emails in lower case, so a read-back shows
``ada@example.com`` for ``Ada@Example.com``.
"""

from __future__ import annotations

from collections.abc import Sequence

from console import Lint, RowChange, SyncTarget
from martech_hubspot.properties import (
    CONTACTS,
    MAX_VALUE_LENGTH,
    RECORD_ID,
    UnrenderableValue,
    plausible_email,
    record_id,
    render_value,
    valid_property_name,
)


def _field_lints(target: SyncTarget) -> list[Lint]:
    found = []
    for name in target.fields:
        if CONTACTS.is_read_only(name):
            found.append(
                Lint(
                    "error",
                    "hubspot.read_only",
                    f"HubSpot computes {name!r}: it cannot be written (map the value to a "
                    "custom property instead)",
                    field=name,
                )
            )
        elif not valid_property_name(name):
            found.append(
                Lint(
                    "error",
                    "hubspot.property_name",
                    f"{name!r} cannot be a HubSpot property name: use its internal name "
                    "(lowercase letters, digits and underscores, starting with a letter)",
                    field=name,
                )
            )
    if target.match_key in target.clear:
        found.append(
            Lint(
                "error",
                "hubspot.clear_match_key",
                f"a NULL would clear {target.match_key!r}, the property contacts are matched "
                "on: remove it from the sync's clear list",
                field=target.match_key,
            )
        )
    return found


def _match_lints(target: SyncTarget, change: RowChange) -> list[Lint]:
    match, key = change.match, change.key
    if change.kind == "remove":
        if record_id(change, target) is None:
            text = (
                f"HubSpot archives contacts by id only; the contact id of {match!r} is not "
                "known (the engine keeps the id HubSpot answered when it accepted the row)"
            )
            return [Lint("error", "hubspot.archive_needs_id", text, row=key)]
        return []
    if not match:
        text = f"no value for the match key {target.match_key!r}"
        return [Lint("error", "hubspot.empty_match", text, field=target.match_key, row=key)]
    if target.match_key == RECORD_ID and not match.isdigit():
        text = f"{match!r} is not a HubSpot contact id"
        return [Lint("error", "hubspot.invalid_id", text, field=RECORD_ID, row=key)]
    if target.match_key != "email":
        return []
    if not plausible_email(match):
        text = f"{match!r} is not an email HubSpot accepts (trim and fix it in the model)"
        return [Lint("error", "hubspot.invalid_email", text, field="email", row=key)]
    if match != match.lower():
        text = f"HubSpot stores {match!r} in lower case; a read-back will differ"
        return [Lint("warning", "hubspot.email_case", text, field="email", row=key)]
    return []


def _value_lints(change: RowChange) -> list[Lint]:
    found = []
    for name, value in change.values.items():
        try:
            text = render_value(value)
        except UnrenderableValue as exc:
            found.append(Lint("error", "hubspot.value_type", str(exc), field=name, row=change.key))
            continue
        if len(text) > MAX_VALUE_LENGTH:
            message = f"{len(text):,} characters; HubSpot keeps at most {MAX_VALUE_LENGTH:,}"
            found.append(
                Lint("error", "hubspot.value_too_long", message, field=name, row=change.key)
            )
    return found


def lint(target: SyncTarget, changes: Sequence[RowChange]) -> list[Lint]:
    """Every HubSpot rule the planned ``changes`` would break (see the module doc)."""
    found = _field_lints(target)
    first: dict[str, str] = {}
    for change in changes:
        found += _match_lints(target, change)
        found += _value_lints(change)
        if change.kind == "remove" or not change.match:
            continue
        same = change.match.strip().casefold() if target.match_key == "email" else change.match
        if same in first:
            text = (
                f"{change.match!r} is the same contact as row {first[same]!r}: HubSpot "
                "refuses a batch naming a record twice; deduplicate the model"
            )
            found.append(
                Lint(
                    "error", "hubspot.duplicate_match", text, field=target.match_key, row=change.key
                )
            )
        else:
            first[same] = change.key
    return found
