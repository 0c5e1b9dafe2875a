"""Attribution models: which touches get credit for one conversion, and how much.

Every model credits the touches the engine found (direct visits never, except the ``last``
model in ``last_click`` mode) at or before the conversion, within the lookback ``window``:

- ``first``: the earliest touch gets 1;
- ``last``: the touch that is the last-touch state (UTM_Last_*) at the conversion gets 1;
  when it is older than the window but its campaign brought the person back inside the
  window (a repeat keeps the state, it does not replace it), that latest repeat gets it;
- ``last_non_direct``: the latest touch gets 1 (even a repeat of the last-touch campaign);
- ``linear``: every touch gets 1/n;
- ``position_based``: 40% first, 40% last, 20% shared by the ones between (one touch: 1;
  two: 0.5 each);
- ``time_decay``: weight 2^(-age / 7 days) (GA's half-life), normalized to 1.

A conversion with no eligible touch is credited to ``Direct`` (no campaign), as GA does.
This module is the maths only; :mod:`console.touch.attribution` runs a model over every
conversion in a warehouse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from console.touch.model import Credit, Touch

MODELS: tuple[str, ...] = (
    "first",
    "last",
    "last_non_direct",
    "linear",
    "position_based",
    "time_decay",
)
HALF_LIFE = timedelta(days=7)
NO_TOUCH = "Direct"
"""The channel a conversion without any eligible touch is credited to."""
VALUE_KEYS = ("revenue", "value", "amount", "total", "price")
MAX_LOOKBACK_DAYS = 3650
"""The longest lookback window a command or the console accepts (ten years)."""


def eligible(touches: Sequence[Touch], when: datetime, window: timedelta | None) -> list[Touch]:
    """The non-direct touches at or before ``when`` and within the window, oldest first."""
    return [
        t
        for t in touches
        if not t.direct and t.timestamp <= when and (window is None or when - t.timestamp <= window)
    ]


def shares(
    model: str,
    touches: Sequence[Touch],
    last: Touch | None,
    when: datetime,
    window: timedelta | None,
    pool: list[Touch] | None = None,
) -> list[tuple[Touch | None, float]]:
    """(touch, credit) pairs for one conversion under ``model``; credits add up to 1.

    ``pool``: the :func:`eligible` touches, when the caller already has them."""
    if pool is None:
        pool = eligible(touches, when, window)
    if model == "last":
        if last is None or last.timestamp > when:
            return [(None, 1.0)]
        if window and when - last.timestamp > window:
            key = last.values.key()
            repeat = next((t for t in reversed(pool) if t.values.key() == key), None)
            return [(repeat, 1.0)]
        return [(last, 1.0)]
    if not pool:
        return [(None, 1.0)]
    n = len(pool)
    if model == "first":
        return [(pool[0], 1.0)]
    if model == "last_non_direct":
        return [(pool[-1], 1.0)]
    if model == "linear":
        return [(t, 1.0 / n) for t in pool]
    if model == "position_based":
        if n == 1:
            return [(pool[0], 1.0)]
        if n == 2:
            return [(pool[0], 0.5), (pool[1], 0.5)]
        middle = 0.2 / (n - 2)
        return [(pool[0], 0.4), *((t, middle) for t in pool[1:-1]), (pool[-1], 0.4)]
    if model == "time_decay":
        half = HALF_LIFE.total_seconds()
        weights = [2.0 ** (-(when - t.timestamp).total_seconds() / half) for t in pool]
        total = sum(weights)
        return [(t, w / total) for t, w in zip(pool, weights, strict=True)]
    raise ValueError(f"unknown attribution model {model!r}")


def credit_all(
    models: Iterable[str],
    touches: Sequence[Touch],
    last: Touch | None,
    when: datetime,
    window: timedelta | None,
) -> dict[str, list[Credit]]:
    """Every model's credit for one conversion, as report records."""
    out = {}
    pool = eligible(touches, when, window)
    for model in models:
        out[model] = [
            Credit(
                touch=t.index if t else None,
                channel=t.channel if t else NO_TOUCH,
                campaign=t.values.campaign if t else None,
                credit=round(share, 6),
            )
            for t, share in shares(model, touches, last, when, window, pool)
        ]
    return out


def conversion_value(properties: Mapping[str, Any]) -> float | None:
    """The conversion's value: ``revenue``, ``value``, ``amount``, ``total`` or ``price``."""
    for key in VALUE_KEYS:
        value = properties.get(key)
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                continue
    return None
