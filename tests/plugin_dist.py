"""Install a throwaway third-party distribution on disk (modules + dist-info with entry
points), for tests of discovery, load order and what ``martech`` prints about plugins."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path


def install_dist(
    root: Path,
    name: str,
    modules: Mapping[str, str],
    entry_points: Mapping[str, str],
    *,
    version: str = "1.0",
) -> Path:
    """Write ``modules`` (module name -> source) and a dist-info naming ``entry_points``
    (plugin name -> module) in the ``martech_console`` group; returns ``root`` (put it on
    ``sys.path`` or ``PYTHONPATH``)."""
    root.mkdir(parents=True, exist_ok=True)
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = "\n".join(f"{plugin} = {target}" for plugin, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[martech_console]\n{lines}\n")
    return root
