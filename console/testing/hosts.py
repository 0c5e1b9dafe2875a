"""A plugin host holding only the plugins a test names."""

from __future__ import annotations

from importlib.metadata import entry_points
from types import ModuleType

from console.host import ENTRY_POINT_GROUP, PluginHost

PluginSpec = str | ModuleType | object | tuple[str, object]
"""An installed plugin by its entry-point name (``"segment"``), a module or object with
hook implementations (named after its module's last part), or ``(name, plugin)``."""


def plugin_name(plugin: object) -> str:
    """The name a plugin object is registered under: its module's last dotted part."""
    name = getattr(plugin, "__name__", None) or type(plugin).__name__
    return str(name).rsplit(".", 1)[-1]


def plugin_host(*plugins: PluginSpec) -> PluginHost:
    """A :class:`PluginHost` with exactly ``plugins`` loaded; with none, every installed one.

    Installed plugins load through their entry point, as ``martech`` loads them (so their
    distribution and version are known); the test's own modules and objects are added as
    they are. A name that is not installed raises ``LookupError`` naming what is.
    """
    names = [p for p in plugins if isinstance(p, str)]
    if not plugins:
        return PluginHost().discover()
    installed = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    missing = sorted(set(names) - installed)
    if missing:
        raise LookupError(
            f"no installed plugin named {', '.join(missing)} "
            f"(installed: {', '.join(sorted(installed)) or 'none'})"
        )
    host = PluginHost(allow=names)
    if names:
        host.discover()
    for plugin in plugins:
        if isinstance(plugin, str):
            continue
        if isinstance(plugin, tuple):
            name, obj = plugin
            host.add_plugin(obj, name=name)
        else:
            host.add_plugin(plugin, name=plugin_name(plugin))
    return host
