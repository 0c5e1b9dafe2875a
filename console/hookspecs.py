"""The plugin contract: every hook a martech-console plugin can implement.

Hooks hand objects over through a ``register`` callback, so the host can stamp each
registration with the plugin that made it and isolate a plugin that raises. Hooks are
always called with keyword arguments, so they can grow new arguments without breaking
existing plugins (pluggy passes only the arguments an implementation names).

These hook specs and the names ``console`` exports are the plugin API, versioned as
``console.PLUGIN_API`` (:mod:`console.contract.api`: semantic versions, a deprecation
warning for at least one minor version before a removal). A plugin declares the range it
supports on its entry-point module, ``MARTECH_PLUGIN_API = ">=1.0,<2"``.

Each hook is called for every plugin in load order: the built-in plugins first, then
third parties by entry-point name. Where two plugins claim the same thing, the one later
in that order is refused (recorded as its failure) and the first keeps it.
"""

from __future__ import annotations

from collections.abc import Callable

import click
import pluggy

from console.contract import (
    CollectorRoute,
    Connector,
    Destination,
    EventFormat,
    Remote,
    SandboxRegistration,
    StateLocation,
    ValidationRule,
)

PROJECT = "martech_console"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Register connector classes (subclasses of :class:`console.Connector`).

    Call ``register(MyConnector)`` once per connector. The class carries metadata only:
    name, display name, description, documentation link and declared credential fields.
    Return value: ignored.
    """


@hookspec
def register_event_formats(register: Callable[[EventFormat], None]) -> None:
    """Register record formats that ``martech replay`` can load.

    Call ``register(EventFormat(...))`` with the connector name the format belongs to. A
    registered format makes that connector a *source*. Return value: ignored.
    """


@hookspec
def register_collector_routes(register: Callable[[CollectorRoute], None]) -> None:
    """Register HTTP routes the local collector serves (``POST /v1/batch``, ...).

    Call ``register(CollectorRoute(...))`` once per method and path. A registered route
    makes its connector a *source*. Paths match exactly: no prefix, no pattern, and a
    trailing slash makes another path (register ``/batch`` and ``/batch/`` if your SDK
    sends both); the method is compared upper-cased; ``/api/...`` is the collector's own.
    Two plugins registering the same method and path: the plugin later in load order is
    refused (a failure in ``register_collector_routes``, shown once by ``martech plugins``
    and at ``martech collect``'s start) and the first keeps the route. Return value:
    ignored.
    """


@hookspec
def register_validation_rules(register: Callable[[ValidationRule], None]) -> None:
    """Register extra taxonomy rules, run on every event after the built-in ones.

    Call ``register(ValidationRule(name, check, event_types=...))``. ``check(event,
    taxonomy)`` returns a list of :class:`console.Finding` (empty when the event is fine),
    with codes in the plugin's own namespace (``acme.consent_missing``). It runs in the
    collector's preparing thread before each commit, so keep it fast and free of I/O. A
    rule that raises is recorded as a failure of its plugin (phase ``validate``, once per
    batch) and never stops validation. Return value: ignored.
    """


@hookspec
def register_destinations(register: Callable[[Destination], None]) -> None:
    """Register sync destinations: how a sync's changed rows become vendor requests.

    Call ``register(Destination(connector=..., objects=..., plan=..., outcomes=...))`` once
    per connector. A destination does no I/O: ``plan`` renders the exact requests, the sync
    engine sends them (timeouts, retries, pacing, credentials) and ``outcomes`` maps each
    answer back to one outcome per row. A registered destination makes its connector a
    *destination*. One destination per connector: another plugin's registration for the
    same connector is recorded as that plugin's failure and ignored. Return value: ignored.
    """


@hookspec
def register_remotes(register: Callable[[Remote], None]) -> None:
    """Register remote sync tools (Hightouch): syncs defined in the cloud, run from here.

    Call ``register(Remote(connector=..., list_syncs=..., trigger=..., runs=...))`` once per
    connector. A remote does no I/O: it renders requests and reads answers; the core sends
    them, passes every trigger through the guardrails' gate (a trigger is a remote write),
    follows runs, and adds the ``martech <connector> syncs|trigger|runs`` commands. A
    registered remote makes its connector a *remote*. One remote per connector: another
    plugin's registration for the same connector is recorded as its failure and ignored.
    Return value: ignored.
    """


@hookspec
def register_sandboxes(register: Callable[[SandboxRegistration], None]) -> None:
    """Register a fake of a vendor's API for ``martech sandbox`` and the tests.

    Call ``register(SandboxRegistration(connector, build))``; ``build(rate_limit)`` returns
    a fresh :class:`console.SandboxFake` holding its own state. It is served under
    ``/<connector>`` so a destination's base URL can point at it. Return value: ignored.
    """


@hookspec
def register_state_readers(register: Callable[[StateLocation], None]) -> None:
    """Teach the touch debugger where a vendor's SDK reports first/last-touch state.

    Call ``register(StateLocation(connector, first=(...), last=(...)))`` once per
    connector: the paths in its events that hold the first touch and the last touch the SDK
    claims (PostHog's ``properties.$set_once.$initial_utm_*`` and ``properties.$set.utm_*``).
    ``martech touch`` then compares them with the computed state and reports where they
    diverge, under the connector's name. Only events whose ``source`` is that connector are
    read. One per connector: another plugin's registration for the same connector is
    recorded as its failure and ignored. Return value: ignored.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add CLI subcommands to the ``martech`` group (e.g. a remote tool's trigger).

    Use ``@cli.command()`` as usual. A command whose name is already taken is not added,
    and the clash is recorded as a failure of the plugin. Return value: ignored.
    """


HOOK_NAMES: tuple[str, ...] = (
    "register_connectors",
    "register_event_formats",
    "register_collector_routes",
    "register_validation_rules",
    "register_destinations",
    "register_remotes",
    "register_sandboxes",
    "register_state_readers",
    "register_commands",
)
"""Every hook the host calls, in the order it calls them."""
