"""PluginHost: finds plugins through entry points and keeps each one's failures to itself.

pluggy alone does not isolate plugins: a raising implementation aborts the whole hook
call, and ``load_setuptools_entrypoints`` stops at the first plugin that fails to import.
So the host loads each entry point under its own guard and calls each implementation of a
registration hook separately, recording failures (plugin, phase, error) instead of raising.

Load order is deterministic: the built-in plugins (those of martech-console's own
distribution) first, then third parties, each group by entry-point name. Hooks are called
in that order, so where two plugins claim the same thing (a route, a connector, a
destination), the one later in that order is "the second" and is refused.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any, TypeVar

import click
import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from console import hookspecs
from console.contract import (
    CollectorRoute,
    Connector,
    Destination,
    EventFormat,
    Registration,
    Remote,
    SandboxRegistration,
    StateLocation,
)
from console.contract.api import API_ATTRIBUTE, PLUGIN_API

ENTRY_POINT_GROUP = "martech_console"
BUILTIN_DISTRIBUTION = "martech-console"
"""The distribution whose entry points are the built-in plugins (loaded first)."""
LOAD_PHASES = frozenset({"load", *hookspecs.HOOK_NAMES})
"""Failures of loading and registering. Every other phase (``collector``, ``decode``,
``validate``, ``accept``, ...) happens per request or record: recorded once per plugin and
phase, with a count and the latest message."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PluginFailure:
    """A plugin that failed to load, or whose hook implementation raised."""

    plugin: str
    phase: str
    """``load``, or the name of the hook that failed."""
    error: str
    detail: str = ""
    """The traceback, for ``--verbose`` output; never shown by default."""
    count: int = 1
    """How many times it happened (``error`` is the latest message)."""


@dataclass(slots=True)
class PluginInfo:
    """What the host knows about one plugin."""

    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    hooks: list[str] = field(default_factory=list)
    loaded: bool = True
    api: str | None = None
    """The plugin API range it declares (``MARTECH_PLUGIN_API``), None if it declares none."""


def _guard_errors() -> tuple[type[BaseException], ...]:
    return (Exception, SystemExit)


class PluginHost:
    """Discovers, loads and calls plugins; one per process, passed to whoever needs it."""

    def __init__(
        self,
        *,
        allow: Iterable[str] | None = None,
        block: Iterable[str] = (),
        group: str = ENTRY_POINT_GROUP,
    ) -> None:
        self.allow = set(allow) if allow is not None else None
        self.block = set(block)
        self.group = group
        self.manager = pluggy.PluginManager(hookspecs.PROJECT)
        self.manager.add_hookspecs(hookspecs)
        self.failures: list[PluginFailure] = []
        self.failures_changed = 0
        """Goes up with every failure recorded (a cheap "anything new?" for watchers)."""
        self.skipped: list[str] = []
        self._plugins: dict[str, PluginInfo] = {}
        self._order: dict[str, int] = {}
        self._collected: dict[str, list[Registration[Any]]] = {}
        self._derived: dict[str, Any] = {}
        self._lock = threading.Lock()

    # -- loading ---------------------------------------------------------------------------

    def discover(self) -> PluginHost:
        """Load every plugin of the entry-point group that the allow/block lists admit:
        the built-in ones first, then third parties, each by entry-point name."""
        for entry_point in sorted(entry_points(group=self.group), key=_load_order):
            if not self._admitted(entry_point.name):
                self.skipped.append(entry_point.name)
                continue
            self._load_entry_point(entry_point)
        return self

    def installed(self) -> list[str]:
        """The names of every plugin installed in the entry-point group, or added, loaded
        or not (what an allow or block list may name)."""
        names = {entry_point.name for entry_point in entry_points(group=self.group)}
        return sorted(names | set(self._plugins))

    def _admitted(self, name: str) -> bool:
        if name in self.block:
            return False
        return self.allow is None or name in self.allow

    def _load_entry_point(self, entry_point: EntryPoint) -> None:
        dist = entry_point.dist
        distribution = dist.metadata["Name"] if dist is not None else None
        version = dist.version if dist is not None else None
        try:
            module = entry_point.load()
        except _guard_errors() as exc:
            self.record_failure(entry_point.name, "load", exc)
            self._plugins[entry_point.name] = PluginInfo(
                entry_point.name, entry_point.value, distribution, version, loaded=False
            )
            return
        self.add_plugin(module, name=entry_point.name, distribution=distribution, version=version)

    def add_plugin(
        self,
        plugin: ModuleType | object,
        *,
        name: str,
        distribution: str | None = None,
        version: str | None = None,
    ) -> None:
        """Register an already-imported plugin object (tests, or an app embedding the host)."""
        if name in self._plugins:
            self.record_failure(
                name, "load", ValueError(f"a plugin named {name!r} is already loaded")
            )
            return
        module_name = getattr(plugin, "__name__", type(plugin).__name__)
        declared = getattr(plugin, API_ATTRIBUTE, None)
        refusal = api_refusal(declared)
        if refusal is not None:
            self.record_failure(name, "load", refusal)
            self._plugins[name] = PluginInfo(
                name, module_name, distribution, version, loaded=False, api=_shown(declared)
            )
            return
        try:
            self.manager.register(plugin, name=name)
        except _guard_errors() as exc:
            self.record_failure(name, "load", exc)
            self._plugins[name] = PluginInfo(name, module_name, distribution, version, loaded=False)
            return
        callers = self.manager.get_hookcallers(plugin) or []
        for caller in callers:
            if caller.spec is None and not _optional(caller, plugin):
                self.record_failure(name, "load", _unknown_hook(caller.name))
        hooks = sorted(caller.name for caller in callers if caller.spec is not None)
        self._plugins[name] = PluginInfo(
            name, module_name, distribution, version, hooks, api=_shown(declared)
        )
        self._order[name] = len(self._order)
        self._collected.clear()
        self._derived.clear()

    def record_failure(self, plugin: str, phase: str, exc: BaseException) -> None:
        """Record that ``plugin`` failed in ``phase`` (``load``, a hook name, ``collector``,
        ``decode``, ``validate``, ``accept``): shown by ``martech plugins``, the plugins
        screen and the collector's ``/api/stats``.

        A runtime failure (any phase but loading and registering) is kept once per plugin,
        phase and kind of error, with a count and the latest message (a decoder failing on
        every request is one line); so is a repeat of the same load failure.
        """
        kind = type(exc).__name__
        message = f"{kind}: {exc}" if str(exc) else kind
        detail = "".join(traceback.format_exception(exc))
        runtime = phase not in LOAD_PHASES
        with self._lock:
            self.failures_changed += 1
            for i, known in enumerate(self.failures):
                if (known.plugin, known.phase) != (plugin, phase):
                    continue
                same = known.error.partition(":")[0] == kind if runtime else known.error == message
                if same:
                    self.failures[i] = PluginFailure(
                        plugin, phase, message, detail, known.count + 1
                    )
                    return
            self.failures.append(PluginFailure(plugin, phase, message, detail))

    # -- calling ---------------------------------------------------------------------------

    def call_each(self, hook_name: str, build_kwargs: Callable[[str], dict[str, Any]]) -> None:
        """Call every implementation of ``hook_name`` on its own, recording any that raise.

        ``build_kwargs(plugin_name)`` makes the arguments for one plugin's call, so each
        plugin gets its own stamped ``register`` callback.
        """
        caller = getattr(self.manager.hook, hook_name)
        last = len(self._order)
        for impl in sorted(
            caller.get_hookimpls(), key=lambda i: self._order.get(i.plugin_name, last)
        ):
            kwargs = build_kwargs(impl.plugin_name)
            try:
                impl.function(*(kwargs[arg] for arg in impl.argnames))
            except _guard_errors() as exc:
                self.record_failure(impl.plugin_name, hook_name, exc)

    def collect(self, hook_name: str, check: Callable[[object], T]) -> list[Registration[T]]:
        """Everything the plugins register through a ``register`` hook, stamped and checked.

        ``check(item)`` returns the item as its type, or raises to refuse it; the refusal is
        recorded as the plugin's failure and the item is dropped. Results are cached per host.
        """
        if hook_name in self._collected:
            return self._collected[hook_name]
        collected: list[Registration[T]] = []

        def build(plugin_name: str) -> dict[str, Any]:
            info = self._plugins.get(plugin_name)

            def register(item: object) -> None:
                try:
                    checked = check(item)
                except _guard_errors() as exc:
                    self.record_failure(plugin_name, hook_name, exc)
                    return
                collected.append(
                    Registration(
                        plugin_name,
                        info.distribution if info else None,
                        info.version if info else None,
                        checked,
                    )
                )

            return {"register": register}

        self.call_each(hook_name, build)
        self._collected[hook_name] = collected
        return collected

    def add_commands(self, cli: click.Group) -> None:
        """Let plugins add CLI commands; a command whose name is taken is refused."""

        def build(plugin_name: str) -> dict[str, Any]:
            return {"cli": _PluginCommands(self, plugin_name, cli)}

        self.call_each("register_commands", build)

    # -- what plugins registered -----------------------------------------------------------

    def connectors(self) -> dict[str, Registration[type[Connector]]]:
        """Registered connector classes by connector name (first registration wins)."""
        if "connectors" in self._derived:
            return dict(self._derived["connectors"])
        result: dict[str, Registration[type[Connector]]] = {}
        for reg in self.collect("register_connectors", _check_connector):
            name = reg.item.name
            if name in result:
                self.record_failure(
                    reg.plugin,
                    "register_connectors",
                    ValueError(
                        f"connector {name!r} is already registered by {result[name].plugin!r}"
                    ),
                )
                continue
            result[name] = reg
        self._derived["connectors"] = result
        return dict(result)

    def event_formats(self) -> list[Registration[EventFormat]]:
        """Registered replay formats, in sniffing order."""
        regs = self.collect("register_event_formats", _check_format)
        return sorted(regs, key=lambda reg: reg.item.priority)

    def collector_routes(self) -> list[Registration[CollectorRoute]]:
        """Registered collector routes; a method and path already taken is refused (the
        plugin later in load order fails). Paths match exactly: ``/batch`` and ``/batch/``
        are two routes."""
        if "routes" in self._derived:
            return list(self._derived["routes"])
        routes: dict[tuple[str, str], Registration[CollectorRoute]] = {}
        for reg in self.collect("register_collector_routes", _check_route):
            key = (reg.item.method.upper(), reg.item.path)
            if key in routes:
                self.record_failure(
                    reg.plugin,
                    "register_collector_routes",
                    ValueError(
                        f"{key[0]} {key[1]} is already served by {routes[key].plugin!r}; serve "
                        f"another path, or block {routes[key].plugin!r} (MARTECH_BLOCK_PLUGINS) "
                        "to take it"
                    ),
                )
                continue
            routes[key] = reg
        self._derived["routes"] = list(routes.values())
        return list(routes.values())

    def destinations(self) -> dict[str, Registration[Destination]]:
        """Registered sync destinations by connector name (the first plugin's wins)."""
        return self._one_per_connector("register_destinations", _check_destination)

    def remotes(self) -> dict[str, Registration[Remote]]:
        """Registered remote sync tools by connector name (the first plugin's wins)."""
        return self._one_per_connector("register_remotes", _check_remote)

    def sandboxes(self) -> dict[str, Registration[SandboxRegistration]]:
        """Registered vendor fakes by connector name (the first plugin's wins)."""
        return self._one_per_connector("register_sandboxes", _check_sandbox)

    def state_readers(self) -> dict[str, Registration[StateLocation]]:
        """Where each connector's events report first/last state (the first plugin's wins)."""
        return self._one_per_connector("register_state_readers", _check_state_location)

    def _one_per_connector(
        self, hook_name: str, check: Callable[[object], T]
    ) -> dict[str, Registration[T]]:
        if hook_name in self._derived:
            return dict(self._derived[hook_name])
        result: dict[str, Registration[T]] = {}
        for reg in self.collect(hook_name, check):
            name = str(getattr(reg.item, "connector", ""))
            if name in result:
                self.record_failure(
                    reg.plugin,
                    hook_name,
                    ValueError(f"{name!r} is already registered by {result[name].plugin!r}"),
                )
                continue
            result[name] = reg
        self._derived[hook_name] = result
        return dict(result)

    def capabilities(self, connector: str) -> list[str]:
        """What a connector can do, derived from what its plugins registered."""
        caps = set()
        formats = (reg.item.connector for reg in self.event_formats())
        routes = (reg.item.connector for reg in self.collector_routes())
        if connector in (*formats, *routes):
            caps.add("source")
        if connector in self.destinations():
            caps.add("destination")
        if connector in self.remotes():
            caps.add("remote")
        return sorted(caps)

    def load_order(self) -> list[str]:
        """The loaded plugins in the order their hooks are called (built-ins first)."""
        return list(self._order)

    def plugins(self) -> list[PluginInfo]:
        """Every plugin the host loaded or tried to load, by name."""
        return [self._plugins[name] for name in sorted(self._plugins)]

    def failures_of(self, plugin: str) -> list[PluginFailure]:
        """The recorded failures of one plugin."""
        return [failure for failure in self.failures if failure.plugin == plugin]


class _PluginCommands(click.Group):
    """Stands in for the ``martech`` group inside one plugin's ``register_commands``."""

    def __init__(self, host: PluginHost, plugin: str, target: click.Group) -> None:
        super().__init__(name=target.name)
        self._host, self._plugin, self._target = host, plugin, target

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if name in self._target.commands:
            self._host.record_failure(
                self._plugin,
                "register_commands",
                ValueError(f"command {name!r} already exists; choose another name"),
            )
            return
        self._target.add_command(cmd, name)


def api_refusal(declared: object) -> ValueError | None:
    """Why a plugin declaring ``declared`` as its API range cannot load, or None if it can
    (it declares nothing, or a range that holds :data:`PLUGIN_API`)."""
    if declared is None:
        return None
    try:
        supported = SpecifierSet(str(declared))
    except InvalidSpecifier:
        return ValueError(
            f"{API_ATTRIBUTE} = {declared!r} is not a version range; write one such as "
            f"'>=1.0,<2' (this martech-console provides plugin API {PLUGIN_API})"
        )
    if Version(PLUGIN_API) in supported:
        return None
    return ValueError(
        f"the plugin supports plugin API {supported} but this martech-console provides "
        f"plugin API {PLUGIN_API}; install a release of the plugin made for {PLUGIN_API}"
    )


def _shown(declared: object) -> str | None:
    return None if declared is None else str(declared)


def _load_order(entry_point: EntryPoint) -> tuple[int, str]:
    dist = entry_point.dist
    builtin = dist is not None and dist.metadata["Name"] == BUILTIN_DISTRIBUTION
    return (0 if builtin else 1, entry_point.name)


def _optional(caller: pluggy.HookCaller, plugin: object) -> bool:
    return all(impl.optionalhook for impl in caller.get_hookimpls() if impl.plugin is plugin)


def _unknown_hook(name: str) -> ValueError:
    """pluggy's ``check_pending`` rule, per plugin: an implementation of no known hook
    (a misspelling) would silently never run."""
    known = ", ".join(hookspecs.HOOK_NAMES)
    return ValueError(f"hookimpl {name!r} matches no hook of martech-console (hooks: {known})")


def _check_connector(item: object) -> type[Connector]:
    if not (isinstance(item, type) and issubclass(item, Connector)):
        raise TypeError(f"register_connectors expects a Connector subclass, got {item!r}")
    item.check_metadata()
    return item


def _check_route(item: object) -> CollectorRoute:
    if not isinstance(item, CollectorRoute):
        raise TypeError(f"register_collector_routes expects a CollectorRoute, got {item!r}")
    if not item.path.startswith("/") or item.path.startswith("/api/"):
        raise ValueError(f"route path {item.path!r} must start with / and not with /api/")
    return item


def _check_format(item: object) -> EventFormat:
    if not isinstance(item, EventFormat):
        raise TypeError(f"register_event_formats expects an EventFormat, got {item!r}")
    return item


def _check_destination(item: object) -> Destination:
    if not isinstance(item, Destination):
        raise TypeError(f"register_destinations expects a Destination, got {item!r}")
    if not item.objects or item.batch_size < 1:
        raise ValueError(f"destination {item.connector!r} needs objects and a batch_size >= 1")
    return item


def _check_remote(item: object) -> Remote:
    if not isinstance(item, Remote):
        raise TypeError(f"register_remotes expects a Remote, got {item!r}")
    return item


def _check_state_location(item: object) -> StateLocation:
    if not isinstance(item, StateLocation):
        raise TypeError(f"register_state_readers expects a StateLocation, got {item!r}")
    return item


def _check_sandbox(item: object) -> SandboxRegistration:
    if not isinstance(item, SandboxRegistration):
        raise TypeError(f"register_sandboxes expects a SandboxRegistration, got {item!r}")
    return item
