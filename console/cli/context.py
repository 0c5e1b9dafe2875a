"""What every command gets: the settings, the plugin host, and a way to open the warehouse."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from console.errors import InputError
from console.host import PluginHost
from console.settings import Settings
from console.taxonomy.clickids import ClickIdRegistry
from console.taxonomy.loader import load_click_id_registry
from console.warehouse import Warehouse

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class AppContext:
    """Services built once in ``main`` and handed to each command through click's ``obj``."""

    settings: Settings
    host: PluginHost
    _registry: ClickIdRegistry | None = field(default=None, repr=False)

    def warehouse(self, db: Path | None) -> Warehouse:
        """Open the warehouse named by ``--db``, else the settings' default."""
        return Warehouse(db or self.settings.db_path)

    def existing_warehouse(self, db: Path | None) -> Warehouse:
        """The warehouse for a command that only reads: a missing file is an error, never a
        silently created empty warehouse (a typo in --db would otherwise show no events)."""
        path = Path(db or self.settings.db_path)
        if not path.exists():
            raise InputError(
                f"no warehouse at {path}",
                hint="load events with `martech replay FILE` or `martech collect`, or fix --db",
            )
        return self.warehouse(path)

    def click_ids(self) -> ClickIdRegistry:
        """The click-ID registry of the configured taxonomy."""
        if self._registry is None:
            self._registry = load_click_id_registry(self.settings.taxonomy_path)
        return self._registry


pass_app = click.make_pass_decorator(AppContext)


def db_option(func: F) -> F:
    """The ``--db PATH`` option every warehouse command takes."""
    return click.option(
        "--db",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Warehouse file (default: MARTECH_DB, config, or the user data dir).",
    )(func)


def json_option(func: F) -> F:
    """The ``--json`` flag: machine-readable output for CI."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        func
    )
