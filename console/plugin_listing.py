"""What the plugin host found, as plain data: shared by ``martech plugins`` and the TUI."""

from __future__ import annotations

from typing import Any

from console.contract.api import PLUGIN_API
from console.credentials import CredentialStore
from console.host import PluginFailure, PluginHost


def plugin_listing(host: PluginHost, store: CredentialStore) -> dict[str, Any]:
    """Every plugin with its connectors, capabilities, hooks and failures (no secret values)."""
    connectors = host.connectors()
    routes = host.collector_routes()
    listing = []
    for info in host.plugins():
        owned = [reg.item for reg in connectors.values() if reg.plugin == info.name]
        listing.append(
            {
                "name": info.name,
                "module": info.module,
                "distribution": info.distribution,
                "version": info.version,
                "loaded": info.loaded,
                "api": info.api,
                "hooks": info.hooks,
                "routes": [
                    f"{reg.item.method} {reg.item.path}"
                    for reg in routes
                    if reg.plugin == info.name
                ],
                "connectors": [
                    {
                        "name": c.name,
                        "display_name": c.display_name,
                        "description": c.description,
                        "docs_url": c.docs_url,
                        "capabilities": host.capabilities(c.name),
                        "credentials": [
                            {
                                "name": cred.name,
                                "label": cred.label,
                                "secret": cred.secret,
                                "required": cred.required,
                                "env": c.env_var(cred),
                                "status": store.origin(c, cred),
                            }
                            for cred in c.credentials
                        ],
                    }
                    for c in owned
                ],
                "failures": [
                    {"phase": f.phase, "error": f.error, "count": f.count}
                    for f in host.failures_of(info.name)
                ],
            }
        )
    return {
        "plugin_api": PLUGIN_API,
        "plugins": listing,
        "failures": failure_list(host.failures),
        "skipped": sorted(host.skipped),
    }


def failure_list(failures: list[PluginFailure]) -> list[dict[str, Any]]:
    """Plugin failures as plain data, each once: plugin, phase, latest message, count."""
    return [
        {"plugin": f.plugin, "phase": f.phase, "error": f.error, "count": f.count} for f in failures
    ]
