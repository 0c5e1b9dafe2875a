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


class BadUsage(click.ClickException):
    """The command cannot run with what it was given: exit 2, one line on stderr.

    The exit-code rule of every command: 0 done (and the checks passed), 1 done but the
    data failed (validation errors, malformed lines), 2 not done: a bad option or argument,
    or a file, warehouse, taxonomy, config, person or event name that is missing or
    unusable. So CI can tell "the data is wrong" from "the job is wrong".
    """

    exit_code = 2


@dataclass
class AppContext:
    """Services built once in ``main`` and handed to each command through click's ``obj``."""

    settings: Settings
    host: PluginHost
    _registry: ClickIdRegistry | None = field(default=None, repr=False)
    db: Path | None = None
    """The ``--db`` given before the command (``martech --db PATH events``), if any."""

    def db_path(self, db: Path | None) -> Path:
        """The warehouse file: the command's ``--db``, the group's, else the settings'."""
        return Path(db or self.db or self.settings.db_path)

    def warehouse(self, db: Path | None) -> Warehouse:
        """Open the warehouse named by ``--db``, else the settings' default."""
        return Warehouse(self.db_path(db))

    def existing_warehouse(self, db: Path | None) -> Warehouse:
        """The warehouse for a command that only reads: a missing file is an error, never a
        silently created empty warehouse (a typo in --db would otherwise show no events)."""
        path = self.db_path(db)
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


DB_HELP = "Warehouse file (default: MARTECH_DB, the config's db, or the user data dir)."


def db_option(func: F) -> F:
    """The ``--db PATH`` option every warehouse command takes."""
    return click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)(func)


def policy_option(func: F) -> F:
    """The ``--policy PATH`` option every command that writes to a vendor takes."""
    return click.option(
        "--policy",
        "policy_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Guardrails policy (default: MARTECH_POLICY, `policy` in config).",
    )(func)


def json_option(func: F) -> F:
    """The ``--json`` flag: machine-readable output for CI."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        func
    )
