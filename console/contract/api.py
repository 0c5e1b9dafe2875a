"""The plugin API's version, the way a plugin declares the versions it supports, and the
deprecation policy's warning.

``PLUGIN_API`` covers the names ``console`` exports (``console.__all__``) and the hook
specs of :mod:`console.hookspecs`. It follows semantic versioning:

- a **patch** release fixes behaviour without changing a name or a signature;
- a **minor** release adds (a name, a hook, a keyword argument, an optional field) and may
  deprecate: a deprecated name keeps working and warns (:func:`warn_deprecated`) for at
  least one minor release before a major release removes it;
- a **major** release removes or changes what was deprecated.

A plugin declares the API versions it supports with a module attribute on its entry-point
module, a ``packaging`` version specifier: ``MARTECH_PLUGIN_API = ">=1.0,<2"``. The host
refuses (as a load failure naming both versions, never a crash) a plugin whose range does
not contain ``PLUGIN_API``; a plugin that declares nothing is loaded as before.
"""

from __future__ import annotations

import warnings

PLUGIN_API = "1.0.0"
"""The version of the plugin API this martech-console provides."""

API_ATTRIBUTE = "MARTECH_PLUGIN_API"
"""The entry-point module's attribute that holds the API range a plugin supports."""


class PluginAPIDeprecationWarning(DeprecationWarning):
    """A plugin uses a part of the API that a later major version removes."""


def warn_deprecated(
    what: str, *, since: str, removed_in: str, instead: str | None = None, stacklevel: int = 3
) -> None:
    """Warn that ``what`` is deprecated since API ``since`` and goes in ``removed_in``.

    The host calls this wherever it still honours a deprecated name or argument, so the
    plugin's own tests show the warning (pytest lists it) a minor release before it breaks.
    """
    message = f"{what} is deprecated since plugin API {since} and is removed in {removed_in}"
    if instead:
        message += f"; use {instead} instead"
    warnings.warn(message, PluginAPIDeprecationWarning, stacklevel=stacklevel)
