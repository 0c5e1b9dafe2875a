"""Preflight lints: what Amplitude's Identify API would refuse, or do unasked.

Errors: ``amplitude.mixed_operations`` (a property named ``$...``: it would sit beside the
``$set`` operations as a plain key, which Amplitude refuses, or be read as an operation),
``amplitude.clear_match_key``, ``amplitude.empty_match``, ``amplitude.id_too_short``
(Amplitude refuses user and device ids under 5 characters), ``amplitude.duplicate_match``
(two rows for one user in a plan), ``amplitude.value_type`` (NaN, infinity).

Warnings: ``amplitude.first_touch_changed`` (a changed ``initial_*`` value is sent with
``$setOnce``: Amplitude keeps the first one it got), ``amplitude.clear_first_touch`` (a
cleared ``initial_*`` is unset, so the next value becomes the first),
``amplitude.value_too_long`` (over 1,024 characters: Amplitude truncates, UNVERIFIED for
user properties), ``amplitude.remove_unsets`` (a mirror remove unsets the synced
properties; the user stays).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from console import Lint, RowChange, SyncTarget

MIN_ID_LENGTH = 5
MAX_VALUE_LENGTH = 1024


def _field_lints(target: SyncTarget) -> list[Lint]:
    found = []
    for name in target.fields:
        if name.startswith("$"):
            text = (
                f"{name!r} starts with '$': beside $set/$setOnce it is a plain key mixed with "
                "operations, which Amplitude refuses; rename the property"
            )
            found.append(Lint("error", "amplitude.mixed_operations", text, field=name))
    if target.match_key in target.clear:
        text = f"a NULL would clear {target.match_key!r}, the id users are matched on"
        found.append(Lint("error", "amplitude.clear_match_key", text, field=target.match_key))
    for name in sorted(n for n in target.clear if n.startswith("initial_")):
        text = f"clearing {name!r} unsets it: the next value sent becomes the first touch"
        found.append(Lint("warning", "amplitude.clear_first_touch", text, field=name))
    return found


def _row_lints(target: SyncTarget, change: RowChange) -> list[Lint]:
    key, match = change.key, change.match
    if not match:
        text = f"no value for the match key {target.match_key!r}"
        return [Lint("error", "amplitude.empty_match", text, field=target.match_key, row=key)]
    found = []
    if len(match) < MIN_ID_LENGTH:
        text = f"{match!r}: Amplitude refuses ids shorter than {MIN_ID_LENGTH} characters"
        found.append(Lint("error", "amplitude.id_too_short", text, field=target.match_key, row=key))
    if change.kind == "remove":
        text = f"{match!r} left the model: its synced properties are unset; the user stays"
        found.append(Lint("warning", "amplitude.remove_unsets", text, row=key))
    for name, value in change.values.items():
        if isinstance(value, float) and not math.isfinite(value):
            text = f"{value!r} has no JSON form"
            found.append(Lint("error", "amplitude.value_type", text, field=name, row=key))
        elif isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
            text = f"{len(value):,} characters; Amplitude truncates at {MAX_VALUE_LENGTH:,}"
            found.append(Lint("warning", "amplitude.value_too_long", text, field=name, row=key))
        first_touch = name.startswith("initial_") and change.previous.get(name) is not None
        if change.kind == "change" and first_touch and value is not None:
            text = (
                f"{name!r} changed to {value!r}, but it is sent with $setOnce: Amplitude keeps "
                f"the first value it got ({change.previous.get(name)!r})"
            )
            found.append(
                Lint("warning", "amplitude.first_touch_changed", text, field=name, row=key)
            )
    return found


def lint(target: SyncTarget, changes: Sequence[RowChange]) -> list[Lint]:
    """Every Identify rule the planned ``changes`` would break (see the module doc)."""
    found = _field_lints(target)
    first: dict[str, str] = {}
    for change in changes:
        found += _row_lints(target, change)
        if not change.match:
            continue
        if change.match in first:
            text = f"{change.match!r} is the same user as row {first[change.match]!r}"
            found.append(
                Lint(
                    "error",
                    "amplitude.duplicate_match",
                    text + ": deduplicate the model",
                    field=target.match_key,
                    row=change.key,
                )
            )
        else:
            first[change.match] = change.key
    return found
