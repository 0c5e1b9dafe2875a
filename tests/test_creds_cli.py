"""``martech creds``: secrets go into the keyring hidden, come out only to the connector,
and are never printed; a machine without a keyring gets a way out, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import keyring
import pytest
from click.testing import CliRunner, Result
from keyring.backends import fail

from console.cli import create_cli
from console.cli.context import AppContext
from console.host import PluginHost
from console.sandbox import Sandbox
from console.settings import Settings
from tests.conftest import MemoryKeyring

SECRET = "pat-na1-0000-secret-value"


def martech(args: list[str], tmp_path: Path, stdin: str | None = None) -> Result:
    settings = Settings(db_path=tmp_path / "warehouse.db")
    app = AppContext(settings, PluginHost().discover())
    return CliRunner().invoke(create_cli(), args, obj=app, input=stdin)


def test_set_stores_in_the_keyring_and_list_never_shows_the_value(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    stored = martech(["creds", "set", "hubspot", "private_app_token"], tmp_path, SECRET + "\n")
    assert stored.exit_code == 0, stored.output
    assert SECRET not in stored.output  # the prompt does not echo
    assert memory_keyring.secrets[("martech-console", "hubspot.private_app_token")] == SECRET
    listed = martech(["creds", "list", "--json"], tmp_path)
    assert SECRET not in listed.output
    credentials = json.loads(listed.output)["credentials"]
    rows = {(r["connector"], r["field"]): r for r in credentials}
    assert rows[("hubspot", "private_app_token")]["origin"] == "keyring"
    assert rows[("braze", "rest_api_key")]["origin"] == "unset"
    deleted = martech(["creds", "delete", "hubspot", "private_app_token"], tmp_path)
    assert deleted.exit_code == 0 and not memory_keyring.secrets


def test_stdin_is_for_scripts(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    result = martech(["creds", "set", "segment", "write_key", "--stdin"], tmp_path, "wk-123\n")
    assert result.exit_code == 0
    assert memory_keyring.secrets[("martech-console", "segment.write_key")] == "wk-123"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["creds", "set", "hubspott", "private_app_token"], "no connector 'hubspott'"),
        (["creds", "set", "hubspot", "token"], "its fields: private_app_token"),
    ],
)
def test_a_typo_names_what_exists(
    memory_keyring: MemoryKeyring, tmp_path: Path, args: list[str], says: str
) -> None:
    result = martech(args, tmp_path, "x\n")
    assert result.exit_code == 2 and says in result.output
    assert not memory_keyring.secrets


def test_a_machine_without_a_keyring_is_told_to_use_the_environment(tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        result = martech(["creds", "set", "hubspot", "private_app_token", "--stdin"], tmp_path,
                         SECRET + "\n")  # fmt: skip
    finally:
        keyring.set_keyring(previous)
    assert result.exit_code == 2
    assert "this machine has no usable keyring" in result.output
    assert "MARTECH_HUBSPOT_PRIVATE_APP_TOKEN" in result.output
    assert SECRET not in result.output


def test_creds_test_goes_where_the_base_url_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With MARTECH_HUBSPOT_BASE_URL on the sandbox (as CI rehearses), `creds test` asks the
    sandbox, as `sync run` would, not the real HubSpot; a refusal is exit 1, the token masked."""
    with Sandbox(PluginHost().discover()) as sandbox:
        monkeypatch.setenv("MARTECH_HUBSPOT_BASE_URL", sandbox.base_url("hubspot"))
        monkeypatch.setenv("MARTECH_HUBSPOT_PRIVATE_APP_TOKEN", SECRET)
        works = martech(["creds", "test", "hubspot"], tmp_path)
        assert works.exit_code == 0, works.output
        assert "the credentials work" in works.output
        fault = {"connector": "hubspot", "kind": "unauthorized"}
        assert httpx.post(f"{sandbox.url}/_sandbox/faults", json=fault).status_code == 200
        refused = martech(["creds", "test", "hubspot"], tmp_path)
        assert refused.exit_code == 1, refused.output
        assert "refused (401)" in refused.output and SECRET not in refused.output
