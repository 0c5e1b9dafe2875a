"""Options shared by the commands that use the taxonomy: ``--taxonomy``, ``--format``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from console.cli.context import AppContext, BadUsage
from console.host import PluginHost
from console.report import FORMATS
from console.taxonomy import Taxonomy, TaxonomyError, load_taxonomy

F = TypeVar("F", bound=Callable[..., Any])


def taxonomy_option(func: F) -> F:
    """``--taxonomy PATH``: the taxonomy file (default: config, MARTECH_TAXONOMY, built-in)."""
    return click.option(
        "--taxonomy",
        "taxonomy_path",
        type=click.Path(path_type=Path),
        help="Taxonomy file (default: MARTECH_TAXONOMY, the config's taxonomy, or the built-in).",
    )(func)


def format_option(func: F) -> F:
    """``--format table|json|junit``."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Output: a table, JSON, or JUnit XML for CI.",
    )(func)


def strict_option(func: F) -> F:
    """``--strict``: warnings fail too."""
    return click.option(
        "--strict", is_flag=True, help="Treat warnings as failures (exit 1, JUnit failures)."
    )(func)


def load_for(app: AppContext, path: Path | None) -> Taxonomy:
    """The taxonomy named by ``--taxonomy``, else the configured one; exit 2 when unusable."""
    try:
        return load_taxonomy(path or app.settings.taxonomy_path)
    except TaxonomyError as exc:
        raise BadUsage(str(exc)) from None


def print_rule_failures(host: PluginHost) -> None:
    """Tell stderr which plugins' validation rules failed during this run (never fatal)."""
    for failure in host.failures:
        if failure.phase in ("validate", "register_validation_rules"):
            click.echo(
                f"plugin {failure.plugin}: validation rule failed ({failure.phase}): "
                f"{failure.error}",
                err=True,
            )
