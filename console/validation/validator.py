"""The Validator: every event of a batch checked against the taxonomy, plugins' rules included.

``validator(events)`` sets ``event.findings`` (a list, possibly empty) and ``event.channel``
on every decodable event (``validity == "ok"``); rejected events are left alone. It is the
collector pipeline's ``annotate`` step (called in its preparing thread before each commit), the
replayer's, and what ``martech validate`` runs on a file or the warehouse.

Third-party rules arrive through the ``register_validation_rules`` hook as
:class:`ValidationRule` objects. Each call of a plugin's rule is guarded: a rule that raises
is recorded as a failure of its plugin (phase ``validate``, once per batch) and the event is
still validated by everything else.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from console.contract import ValidationRule
from console.events import SEVERITIES, Event, Finding
from console.taxonomy.landing import EventRules
from console.taxonomy.model import Taxonomy
from console.taxonomy.rules import NO_CLICKS, Traffic
from console.validation.person import Unsettled
from console.validation.state import MAX_IDENTITIES, StateTracker

if TYPE_CHECKING:
    from console.host import PluginHost
    from console.warehouse import Warehouse

HOOK = "register_validation_rules"
PHASE = "validate"


def _check_rule(item: object) -> ValidationRule:
    if not isinstance(item, ValidationRule):
        raise TypeError(f"{HOOK} expects a ValidationRule, got {item!r}")
    return item


class Validator:
    """Checks batches of events against one taxonomy; keeps each identity's touch state."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        host: PluginHost | None = None,
        warehouse: Warehouse | None = None,
        *,
        linked: Callable[[str], Iterable[str]] | None = None,
        max_identities: int = MAX_IDENTITIES,
    ) -> None:
        self.taxonomy = taxonomy
        self.host = host
        self.rules = EventRules(taxonomy)
        self.state = StateTracker(taxonomy, warehouse, linked=linked, max_identities=max_identities)
        self.plugin_rules: list[tuple[str, ValidationRule]] = (
            [(reg.plugin, reg.item) for reg in host.collect(HOOK, _check_rule)] if host else []
        )
        self._landing_types = taxonomy.landing_types
        self._fallback = taxonomy.channels.fallback
        self._session = taxonomy.session_timeout
        self._direct = (
            self.rules.channel(("(direct)", "(none)", None, NO_CLICKS))
            if taxonomy.channels
            else None
        )

    def __call__(self, events: Sequence[Event]) -> None:
        """Validate a batch in time order (the order state rules need).

        The identities the batch links (identify, alias, events carrying both ids) are
        linked first, so a second browser's page views are compared with the person's state
        even when the identify that reveals the link comes a moment later.
        """
        batch = [event for event in events if event.validity == "ok"]
        if len(batch) > 1:
            batch.sort(key=_TIME)
        state, rules = self.state, self.rules
        state.apply_adoptions()
        state.batch += 1
        number = state.batch
        early = state.link_all(batch)
        failed: set[int] = set()
        plugins = bool(self.plugin_rules)
        # One loop with everything bound to locals: this runs for every event ingested.
        required, landing_types = rules.required, self._landing_types
        person_of, check_landing, check_state = state.person, rules.landing, state.check
        direct, session = self._direct, self._session
        for event in batch:
            found = early.get(id(event)) if early else None
            out: list[Finding] = [found] if found is not None else []
            kind = event.type
            if kind in required:
                for name, get in required[kind]:
                    if get(event) is None:
                        rules.missing_field(event, name, out)
            person = person_of(event)
            traffic = None
            if kind in landing_types:
                landing = check_landing(event, out)
                check_state(event, person, landing, out)
                traffic = landing.traffic
            else:
                c = event.campaign
                if c.source or c.medium or c.name or c.content or c.term or c.id or event.click_ids:
                    traffic = rules.traffic(c, event.click_ids, "", True)
            when = event.timestamp
            channel = self.channel(traffic, out) if traffic is not None else None
            if channel is None:
                channel = direct
                if person is not None and person.pending and person.seen_at is None:
                    person = state.history(person)
                if person is not None and person.channel is not None:
                    seen = person.seen_at
                    if seen is not None and when - seen <= session:
                        channel = person.channel
            if person is not None:
                person.last_batch = number
                if person.unsettled:  # still under review: this event is judged again too
                    state.unsettle(person)
                if person.seen_at is None or when >= person.seen_at:
                    person.seen_at = when
                    person.channel = channel
                else:  # a late event: its session's channel is judged again with the history
                    state.unsettle(person)
            if plugins:
                self.plugin_findings(event, out, failed)
            event.findings = out
            event.channel = channel

    def take_unsettled(self) -> Unsettled:
        """An id of each person whose verdicts since the last call may be provisional (an
        event arrived out of event time, or a link joined two histories): judge them again
        with :func:`console.validation.rejudge.rejudge` once the batch is stored."""
        return self.state.take_unsettled()

    def validate(self, event: Event) -> list[Finding]:
        """Validate one event; returns its findings."""
        self([event])
        return event.findings or []

    def channel(self, traffic: Traffic | None, out: list[Finding]) -> str | None:
        """The channel of a visit's own traffic source (None without one, or without rules).

        Tagged traffic that GA4 would file as Unassigned adds a ``channel.unassigned``.
        """
        if traffic is None or self._direct is None:
            return None
        channel = self.rules.channel(traffic)
        if channel == self._fallback and (traffic[0] or traffic[1]):
            self._unassigned(traffic, channel, out)
        return channel

    def _unassigned(self, traffic: Any, channel: str, out: list[Finding]) -> None:
        source, medium = traffic[0], traffic[1]
        finding = self.taxonomy.finding(
            "channel.unassigned",
            f"GA4 would file {source or '(not set)'} / {medium or '(not set)'} as {channel}",
            field="utm_medium",
            value=medium,
        )
        if finding is not None:
            out.append(finding)

    def plugin_findings(self, event: Event, out: list[Finding], failed: set[int]) -> None:
        """The plugins' rules on one event; ``failed`` holds the rules that raised already."""
        tax = self.taxonomy
        for index, (plugin, rule) in enumerate(self.plugin_rules):
            if rule.event_types is not None and event.type not in rule.event_types:
                continue
            try:
                found = list(rule.check(event, tax) or ())
                for item in found:
                    if not isinstance(item, Finding) or item.severity not in SEVERITIES:
                        raise TypeError(
                            f"rule {rule.name!r} returned {item!r}; expected Findings with "
                            f"severity {', '.join(SEVERITIES)}"
                        )
            except Exception as exc:
                if index not in failed and self.host is not None:
                    failed.add(index)
                    self.host.record_failure(plugin, PHASE, exc)
                continue
            for item in found:
                level = tax.severity.get(item.code)
                if level == "off":
                    continue
                out.append(
                    msgspec.structs.replace(
                        item,
                        severity=level or item.severity,
                        rule=item.rule or f"{plugin}:{rule.name}",
                    )
                )


_TIME = operator.attrgetter("timestamp")
