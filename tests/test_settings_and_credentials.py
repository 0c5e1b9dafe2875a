"""Settings precedence and errors; credentials from keyring or env, never shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from martech_hubspot import HubSpotConnector

from console.credentials import CredentialStore
from console.errors import InputError
from console.settings import Settings
from tests.conftest import MemoryKeyring


def test_env_overrides_config_and_lists_are_split(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('db = "/data/from-config.db"\nblock_plugins = ["braze"]\n')
    settings = Settings.load(
        {
            "MARTECH_CONFIG": str(config),
            "MARTECH_DB": str(tmp_path / "env.db"),
            "MARTECH_LOAD_PLUGINS": "segment, amplitude",
            "MARTECH_BLOCK_PLUGINS": "hubspot",
        }
    )
    assert settings.db_path == tmp_path / "env.db"
    assert settings.load_plugins == ["segment", "amplitude"]
    assert settings.block_plugins == ["braze", "hubspot"]


def test_unknown_setting_and_bad_toml_are_named(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('dbpath = "x"\n')
    with pytest.raises(InputError, match="unknown setting 'dbpath'"):
        Settings.load({"MARTECH_CONFIG": str(config)})
    config.write_text("db = \n")
    with pytest.raises(InputError, match=str(config)):
        Settings.load({"MARTECH_CONFIG": str(config)})
    with pytest.raises(InputError, match="does not exist"):
        Settings.load({"MARTECH_CONFIG": str(tmp_path / "missing.toml")})


def test_credentials_come_from_keyring_then_env(memory_keyring: MemoryKeyring) -> None:
    token = HubSpotConnector.credentials[0]
    store = CredentialStore(env={"MARTECH_HUBSPOT_PRIVATE_APP_TOKEN": "env-token"})
    assert (store.get(HubSpotConnector, token), store.origin(HubSpotConnector, token)) == (
        "env-token",
        "env",
    )
    store.set(HubSpotConnector, token, "pat-na1-secret")
    assert store.get(HubSpotConnector, token) == "pat-na1-secret"
    assert store.origin(HubSpotConnector, token) == "keyring"
    assert memory_keyring.secrets == {
        ("martech-console", "hubspot.private_app_token"): "pat-na1-secret"
    }
    store.delete(HubSpotConnector, token)
    assert CredentialStore(env={}).origin(HubSpotConnector, token) == "unset"
