"""Settings: where the warehouse and config live, and which plugins load.

Built once (from the environment and the config file) and passed to whoever needs them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from console.errors import InputError

APP_NAME = "martech-console"
KNOWN_KEYS = frozenset({"db", "load_plugins", "block_plugins", "taxonomy", "syncs", "policy"})
EXAMPLES = {
    "db": "warehouse.db",
    "taxonomy": "taxonomy.toml",
    "syncs": "syncs.toml",
    "policy": "policy.toml",
}
PATH_KEYS = tuple(EXAMPLES)
"""Settings that name a file: a string."""
LIST_KEYS = ("load_plugins", "block_plugins")
"""Settings that name plugins: a list of strings (or one comma-separated string)."""
TOML_TYPES = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a table",
}


def default_data_dir() -> Path:
    """The user data directory (e.g. ``~/.local/share/martech-console``)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    """The config file (e.g. ``~/.config/martech-console/config.toml``)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def _listed(value: object) -> str | list[str] | None:
    """A plugin list as the config gave it (its type is checked when the file is read)."""
    if value is None or isinstance(value, str):
        return value
    return [str(item) for item in value] if isinstance(value, list) else str(value)


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
    plugin_origins: dict[str, str] = field(default_factory=dict)
    """Where ``load_plugins`` and ``block_plugins`` came from, for error messages."""

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
        settings.load_plugins = _names(_listed(config.get("load_plugins")))
        settings.block_plugins = _names(_listed(config.get("block_plugins"))) or []
        origins = settings.plugin_origins
        for key in LIST_KEYS:
            if key in config:
                origins[key] = f"{key} in {path}"
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
            origins["load_plugins"] = "MARTECH_LOAD_PLUGINS"
        if env.get("MARTECH_BLOCK_PLUGINS"):
            settings.block_plugins += _names(env["MARTECH_BLOCK_PLUGINS"]) or []
            both = "block_plugins" in origins
            origins["block_plugins"] = (
                f"{origins['block_plugins']} or MARTECH_BLOCK_PLUGINS"
                if both
                else "MARTECH_BLOCK_PLUGINS"
            )
        return settings

    def check_plugin_names(self, installed: Iterable[str]) -> None:
        """Raise naming a plugin the allow or block list names that is not installed (a typo
        in ``MARTECH_LOAD_PLUGINS`` would otherwise load less than meant, silently)."""
        known = sorted(set(installed))
        for key, names in (
            ("load_plugins", self.load_plugins),
            ("block_plugins", self.block_plugins),
        ):
            unknown = [name for name in names or () if name not in known]
            if unknown:
                where = self.plugin_origins.get(key, key)
                listed = ", ".join(repr(name) for name in unknown)
                noun = "plugin" if len(unknown) == 1 else "plugins"
                raise InputError(
                    f"{where} names {listed}: no installed {noun} by that name",
                    hint=f"installed plugins: {', '.join(known) or 'none'}",
                )


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
    _check_types(path, config)
    return config


def _check_types(path: Path, config: dict[str, object]) -> None:
    """Raise naming the first setting whose value has the wrong type (``db = 5``)."""
    for key in PATH_KEYS:
        value = config.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise InputError(
                f"{path}: {key!r} must be a file path in quotes, got {_shown(value)}",
                hint=f'e.g. {key} = "~/martech/{EXAMPLES[key]}"',
            )
    for key in LIST_KEYS:
        value = config.get(key)
        if value is None or isinstance(value, str):
            continue
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InputError(
                f"{path}: {key!r} must be a list of plugin names, got {_shown(value)}",
                hint=f'e.g. {key} = ["segment", "amplitude"]',
            )


def _shown(value: object) -> str:
    """A TOML value as a person wrote it: ``an integer (5)``, ``a boolean (true)``."""
    if value == "":
        return "an empty string"
    kind = next((name for t, name in TOML_TYPES.items() if type(value) is t), "a value")
    if isinstance(value, list):
        odd = next((item for item in value if not isinstance(item, str)), None)
        return f"a list holding {_shown(odd)}" if odd is not None else kind
    if isinstance(value, dict):
        return kind
    written = str(value).lower() if isinstance(value, bool) else repr(value)
    return f"{kind} ({written})"
