"""Attribution across the warehouse: a model's credit per channel and campaign for every
conversion of one event name (the maths is :mod:`console.touch.credit`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec

from console.errors import InputError
from console.taxonomy import load_taxonomy
from console.touch.credit import MAX_LOOKBACK_DAYS, MODELS, NO_TOUCH, shares
from console.touch.engine import TouchEngine
from console.touch.model import Touch
from console.warehouse.scan import iter_people, track_event_names

__all__ = [
    "MAX_LOOKBACK_DAYS",
    "AttributionResult",
    "CampaignCredit",
    "ChannelCredit",
    "CreditTally",
    "attribute",
    "conversion_candidates",
]


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
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data


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
    engine: TouchEngine | None = None,
    progress: Callable[[int], None] | None = None,
) -> AttributionResult:
    """Credit per channel and per campaign for every ``conversion`` event in the warehouse.

    People are stitched across identities and their events replayed in time order by
    ``engine`` (a :class:`~console.touch.engine.TouchEngine`; the default taxonomy's when
    None). ``progress`` is called with the number of people done so far.
    """
    if model not in MODELS:
        raise InputError(
            f"unknown attribution model {model!r}", hint="choose one of: " + ", ".join(MODELS)
        )
    if engine is None:
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
    return track_event_names(warehouse, limit)
