"""What the plugin host found, as plain data: shared by ``martech plugins`` and the TUI."""

from __future__ import annotations

from typing import Any

from console.credentials import CredentialStore
from console.host import PluginHost


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
                    {"phase": f.phase, "error": f.error} for f in host.failures_of(info.name)
                ],
            }
        )
    return {
        "plugins": listing,
        "failures": [
            {"plugin": f.plugin, "phase": f.phase, "error": f.error} for f in host.failures
        ],
        "skipped": sorted(host.skipped),
    }
