"""The touch debugger's finding codes: default severity and what to do.

Codes are stable (CI asserts on them). A taxonomy file's ``[severity]`` table may change a
code's severity or turn it ``off``, as for the taxonomy's own codes. ``docs/touch.md``
explains each one.

==============================  ========  ================================================
code                            default   what it means
==============================  ========  ================================================
touch.first_overwritten         error     the reported first touch changed after it was set
touch.first_wrong               error     the reported first touch was never the right one
touch.last_stale                warning   a new touch did not replace the reported last touch
touch.last_direct               warning   a direct visit overwrote the reported last touch
touch.last_wrong                warning   the reported last touch names another touch
touch.click_id_dropped          warning   the landing's click ID is gone on a later event
touch.state_reset               warning   a new identity's reported state started over
touch.identity_split            error     two linked identities keep different first touches
touch.state_missing             warning   state reported elsewhere is missing on a page view
touch.state_dropped             warning   a state property the events carried stopped coming
touch.destination_mismatch      warning   a destination's stored state differs
==============================  ========  ================================================

``martech validate`` checks the same mistakes event by event under its own ``state.*``
codes; each hint names the counterpart (``touch.first_overwritten`` is
``state.first_changed``, ``touch.last_stale`` is ``state.last_stale``,
``touch.state_missing`` is ``state.missing``, ``touch.state_dropped`` is ``state.dropped``).
"""

from __future__ import annotations

from dataclasses import dataclass

from console.events import Finding


@dataclass(frozen=True, slots=True)
class TouchCode:
    """A code's default severity, a short title and the fix to try first."""

    severity: str
    title: str
    hint: str


TOUCH_CODES: dict[str, TouchCode] = {
    "touch.first_overwritten": TouchCode(
        "error",
        "first touch overwritten",
        "set utm_first_* only when empty (setOnce / $setOnce); never copy the current "
        "campaign into them on later visits or on login (martech validate: "
        "state.first_changed)",
    ),
    "touch.first_wrong": TouchCode(
        "error",
        "first touch wrong",
        "set utm_first_* from the first marketing touch only: not from direct visits, "
        "internal referrers or a later campaign",
    ),
    "touch.last_stale": TouchCode(
        "warning",
        "last touch stale",
        "update utm_last_* on every landing with UTMs, a click ID or an external referrer "
        "(martech validate: state.last_stale)",
    ),
    "touch.last_direct": TouchCode(
        "warning",
        "last touch overwritten by a direct visit",
        "leave utm_last_* alone on visits without campaign parameters or external referrer",
    ),
    "touch.last_wrong": TouchCode(
        "warning",
        "last touch wrong",
        "take utm_last_* from the landing's UTMs, click ID or external referrer; ignore "
        "internal and excluded referrers and later pages of the same session",
    ),
    "touch.click_id_dropped": TouchCode(
        "warning",
        "click ID dropped",
        "keep the landing's click ID in first-party storage and send it with later events "
        "and conversions (offline conversion uploads need it)",
    ),
    "touch.state_reset": TouchCode(
        "warning",
        "state reset on a new identity",
        "restore the first/last state from first-party storage or the server when a new "
        "anonymous id appears (cookie reset, new device) and after identify",
    ),
    "touch.identity_split": TouchCode(
        "error",
        "split identity",
        "after identify/alias, merge the identities' state: keep the earliest first touch",
    ),
    "touch.state_missing": TouchCode(
        "warning",
        "reported state missing",
        "send the first/last-touch properties on every page view once a touch is known "
        "(martech validate: state.missing)",
    ),
    "touch.state_dropped": TouchCode(
        "warning",
        "state property dropped",
        "send every first/last-touch property the site tracks on every page view: one that "
        "stops coming loses that part of the state (martech validate: state.dropped)",
    ),
    "touch.destination_mismatch": TouchCode(
        "warning",
        "destination state differs",
        "sync the computed first/last touch to the destination, or check its own "
        "attribution settings",
    ),
}
SEVERITY_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


def make_finding(
    code: str,
    message: str,
    *,
    severity: dict[str, str] | None = None,
    field: str | None = None,
    value: str | None = None,
    hint: str | None = None,
) -> Finding | None:
    """A touch finding with its code's severity (``severity`` overrides); None when off."""
    known = TOUCH_CODES[code]
    level = (severity or {}).get(code, known.severity)
    if level == "off":
        return None
    return Finding(
        code=code,
        severity=level,
        message=message,
        field=field,
        value=value,
        hint=hint or known.hint,
        rule="touch",
    )
