"""The conformance suite: what every martech-console plugin must do, run in its own tests.

One line in a test module::

    from console.testing import conformance

    TestAcme = conformance.suite(
        "acme", samples=[conformance.Sample("/acme/v1/events", EVENTS_AS_THE_SDK_SENDS_THEM)]
    )

gives a test class (pytest collects it under the name it is assigned to, which must start
with ``Test``) with one test per check. A plugin with collector routes is checked for:
loading without failures; routes documented and clashing with no installed plugin's; a
sample for every route; ``decode`` raising nothing but connector errors on fuzzed bodies
(hypothesis, ``max_examples`` per route); message ids stable across a retry; samples
kept (their rejected items too), counted, and a retry counted as duplicates; and
``martech plugins --json`` listing what it registered. A plugin with a destination: ``plan``
doing no I/O and staying within ``batch_size`` with every row in exactly one request;
``outcomes`` giving exactly one outcome per row for any answer (fuzzed), and for its fake's
real answers under every fault the fake plays. Only the checks that apply to what the
plugin registers are in the class (a plugin without a destination has no destination
checks); one that cannot run for want of a sample is skipped, saying what to add.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pytest

from console.testing.conformance.destinations import DestinationChecks, generic_changes
from console.testing.conformance.listing import ListingChecks
from console.testing.conformance.sources import SourceChecks
from console.testing.conformance.spec import Changes, Sample, Spec
from console.testing.hosts import PluginSpec

__all__ = ["Changes", "Sample", "generic_changes", "suite"]


def suite(
    plugin: PluginSpec,
    *,
    samples: Iterable[Sample] = (),
    changes: Changes | None = None,
    credentials: Mapping[str, str] | None = None,
    max_examples: int = 25,
    derandomize: bool = True,
) -> type:
    """The conformance checks for ``plugin`` as a pytest test class.

    ``plugin``: its installed name, or its module (or ``(name, module)``). ``samples``:
    requests as the vendor's SDK sends them, one per route at least. ``changes(n)``: a
    sync target and ``n`` rows your fake accepts (without it the suite makes generic rows
    and does not require the fake to accept them). ``credentials``: what your destination's
    ``auth_headers`` needs (default: a made-up value per declared credential).
    ``max_examples``: fuzzed cases per route (and for ``outcomes``); ``derandomize=False``
    draws new ones each run (deeper, locally; the default keeps CI repeatable).
    """
    spec = Spec(plugin, tuple(samples), changes, credentials, max_examples, derandomize)
    host = spec.host()
    checks: list[type] = [ListingChecks]
    if spec.routes(host):
        checks.insert(0, SourceChecks)
    if spec.destinations(host):
        checks.insert(-1, DestinationChecks)

    @pytest.fixture
    def martech_plugins(self: object) -> tuple[PluginSpec, ...]:
        return (spec.plugin,)

    name = f"TestConformance_{spec.name}"
    return type(name, tuple(checks), {"conformance": spec, "martech_plugins": martech_plugins})
