"""Settings: where the warehouse and config live, and which plugins load.

Built once (from the environment and the config file) and passed to whoever needs them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from console.errors import InputError

APP_NAME = "martech-console"
KNOWN_KEYS = frozenset({"db", "load_plugins", "block_plugins", "taxonomy", "syncs", "policy"})


def default_data_dir() -> Path:
    """The user data directory (e.g. ``~/.local/share/martech-console``)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    """The config file (e.g. ``~/.config/martech-console/config.toml``)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def _names(value: str | list[str] | None) -> list[str] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    return [item.strip() for item in items if item and item.strip()]


@dataclass(slots=True)
class Settings:
    """Resolved settings. Precedence: command-line flag > environment > config file > default."""

    db_path: Path = field(default_factory=lambda: default_data_dir() / "warehouse.db")
    config_path: Path | None = None
    load_plugins: list[str] | None = None
    """Allowlist of plugin names (``MARTECH_LOAD_PLUGINS=a,b``); None loads all."""
    block_plugins: list[str] = field(default_factory=list)
    """Plugins never loaded (``MARTECH_BLOCK_PLUGINS=a,b`` or ``block_plugins`` in config)."""
    taxonomy_path: Path | None = None
    syncs_path: Path | None = None
    """The syncs file (``--syncs``, ``MARTECH_SYNCS``, ``syncs`` in config)."""
    policy_path: Path | None = None
    """The guardrails' policy file (``--policy``, ``MARTECH_POLICY``, ``policy`` in config)."""

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the config file named by ``MARTECH_CONFIG`` (or the default), then the env."""
        env = os.environ if env is None else env
        config_path = Path(env["MARTECH_CONFIG"]) if env.get("MARTECH_CONFIG") else None
        path = config_path or default_config_path()
        config = _read_config(path, must_exist=config_path is not None)
        settings = cls(config_path=path if config else config_path)
        if "db" in config:
            settings.db_path = Path(str(config["db"])).expanduser()
        if "taxonomy" in config:
            settings.taxonomy_path = Path(str(config["taxonomy"])).expanduser()
        settings.load_plugins = _names(config.get("load_plugins"))
        settings.block_plugins = _names(config.get("block_plugins")) or []
        if env.get("MARTECH_DB"):
            settings.db_path = Path(env["MARTECH_DB"]).expanduser()
        if "syncs" in config:
            settings.syncs_path = Path(str(config["syncs"])).expanduser()
        if env.get("MARTECH_SYNCS"):
            settings.syncs_path = Path(env["MARTECH_SYNCS"]).expanduser()
        if "policy" in config:
            settings.policy_path = Path(str(config["policy"])).expanduser()
        if env.get("MARTECH_POLICY"):
            settings.policy_path = Path(env["MARTECH_POLICY"]).expanduser()
        if env.get("MARTECH_TAXONOMY"):
            settings.taxonomy_path = Path(env["MARTECH_TAXONOMY"]).expanduser()
        if "MARTECH_LOAD_PLUGINS" in env:
            settings.load_plugins = _names(env["MARTECH_LOAD_PLUGINS"])
        if env.get("MARTECH_BLOCK_PLUGINS"):
            settings.block_plugins += _names(env["MARTECH_BLOCK_PLUGINS"]) or []
        return settings


def _read_config(path: Path, *, must_exist: bool) -> dict[str, object]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if must_exist:
            raise InputError(f"config file {path} does not exist (MARTECH_CONFIG)") from None
        return {}
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: {exc}", hint="fix the TOML syntax") from None
    unknown = sorted(set(config) - KNOWN_KEYS)
    if unknown:
        raise InputError(
            f"{path}: unknown setting {unknown[0]!r}",
            hint=f"known settings: {', '.join(sorted(KNOWN_KEYS))}",
        )
    return config
