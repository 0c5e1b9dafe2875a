"""Attribution models: which touches get credit for a conversion, per person and overall.

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
:func:`attribute` runs a model over every conversion in a warehouse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec

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


# -- across the warehouse -------------------------------------------------------------------


class ChannelCredit(msgspec.Struct, kw_only=True):
    """Credit given to one channel."""

    channel: str
    conversions: float
    value: float
    share: float


class CampaignCredit(msgspec.Struct, kw_only=True):
    """Credit given to one campaign (source / medium / campaign)."""

    channel: str
    source: str | None
    medium: str | None
    campaign: str | None
    conversions: float
    value: float
    share: float


class AttributionResult(msgspec.Struct, kw_only=True):
    """A model's credit for every conversion of one event name in the warehouse."""

    conversion: str
    model: str
    window_days: float | None
    last_touch: str
    conversions: int
    people: int
    value: float
    unattributed: float
    """Credit given to no touch (conversions with no eligible touch: Direct)."""
    channels: list[ChannelCredit]
    campaigns: list[CampaignCredit]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` (documented in ``docs/touch.md``)."""
        return msgspec.to_builtins(self)


class CreditTally:
    """Adds up conversions' credit per channel and per campaign."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.conversions = 0
        self.people = 0
        self.value = 0.0
        self.unattributed = 0.0
        self.channels: dict[str, list[float]] = {}
        self.campaigns: dict[tuple[str, str | None, str | None, str | None], list[float]] = {}

    def add(
        self,
        touches: Sequence[Touch],
        last: Touch | None,
        when: datetime,
        window: timedelta | None,
        value: float | None,
    ) -> None:
        """Credit one conversion."""
        self.conversions += 1
        worth = value or 0.0
        self.value += worth
        for touch, share in shares(self.model, touches, last, when, window):
            if touch is None:
                self.unattributed += share
                key: tuple[str, str | None, str | None, str | None] = (NO_TOUCH, None, None, None)
                channel = NO_TOUCH
            else:
                channel = touch.channel
                v = touch.values
                key = (channel, v.source, v.medium, v.campaign)
            slot = self.channels.setdefault(channel, [0.0, 0.0])
            slot[0] += share
            slot[1] += share * worth
            slot = self.campaigns.setdefault(key, [0.0, 0.0])
            slot[0] += share
            slot[1] += share * worth

    def result(
        self, conversion: str, window: timedelta | None, last_touch: str
    ) -> AttributionResult:
        """The totals, biggest first."""
        total = self.conversions or 1
        channels = [
            ChannelCredit(
                channel=name, conversions=round(c, 6), value=round(v, 2), share=round(c / total, 6)
            )
            for name, (c, v) in self.channels.items()
        ]
        campaigns = [
            CampaignCredit(
                channel=key[0],
                source=key[1],
                medium=key[2],
                campaign=key[3],
                conversions=round(c, 6),
                value=round(v, 2),
                share=round(c / total, 6),
            )
            for key, (c, v) in self.campaigns.items()
        ]
        channels.sort(key=lambda c: (-c.conversions, c.channel))
        campaigns.sort(key=lambda c: (-c.conversions, c.channel, c.campaign or ""))
        return AttributionResult(
            conversion=conversion,
            model=self.model,
            window_days=window.total_seconds() / 86400 if window else None,
            last_touch=last_touch,
            conversions=self.conversions,
            people=self.people,
            value=round(self.value, 2),
            unattributed=round(self.unattributed, 6),
            channels=channels,
            campaigns=campaigns,
        )


def attribute(
    warehouse: Any,
    conversion: str,
    model: str = "last",
    window: timedelta | None = None,
    *,
    engine: Any = None,
    progress: Callable[[int], None] | None = None,
) -> AttributionResult:
    """Credit per channel and per campaign for every ``conversion`` event in the warehouse.

    People are stitched across identities and their events replayed in time order by
    ``engine`` (a :class:`~console.touch.engine.TouchEngine`; the default taxonomy's when
    None). ``progress`` is called with the number of people done so far.
    """
    from console.touch.engine import TouchEngine
    from console.warehouse.scan import iter_people

    if model not in MODELS:
        from console.errors import InputError

        raise InputError(
            f"unknown attribution model {model!r}", hint="choose one of: " + ", ".join(MODELS)
        )
    if engine is None:
        from console.taxonomy import load_taxonomy

        engine = TouchEngine(load_taxonomy(None))
    runner = engine.with_conversions([conversion], window=window)
    tally = CreditTally(model)
    for done, person in enumerate(iter_people(warehouse, having_event=conversion), start=1):
        replay = runner.replay(person.events, models=())
        if replay.conversions:
            tally.people += 1
            touches = replay.touches
            for conv in replay.conversions:
                last = touches[conv.last_touch] if conv.last_touch is not None else None
                tally.add(touches, last, conv.timestamp, window, conv.value)
        if progress is not None and done % 1000 == 0:
            progress(done)
    return tally.result(conversion, window, engine.config.last_touch)


def conversion_candidates(warehouse: Any, limit: int = 100) -> list[tuple[str, int]]:
    """Track event names and counts, most frequent first: what ``attribute`` may credit."""
    from console.warehouse.scan import track_event_names

    return track_event_names(warehouse, limit)
