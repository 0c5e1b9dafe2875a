"""Connector credentials: read from the OS keyring, or the environment in CI.

Values never leave this module except to the connector that asked; listings only say
whether a credential is set and where it came from.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from typing import Literal

import keyring
import keyring.errors

from console.contract import Connector, CredentialField

SERVICE = "martech-console"
Origin = Literal["keyring", "env", "unset"]


class CredentialStore:
    """Looks credentials up in the keyring first, then ``MARTECH_<CONNECTOR>_<FIELD>``."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = os.environ if env is None else env

    @staticmethod
    def _username(connector: type[Connector], credential: CredentialField) -> str:
        return f"{connector.name}.{credential.name}"

    def _from_keyring(self, connector: type[Connector], credential: CredentialField) -> str | None:
        try:
            return keyring.get_password(SERVICE, self._username(connector, credential))
        except keyring.errors.KeyringError:
            return None

    def get(self, connector: type[Connector], credential: CredentialField) -> str | None:
        """The credential's value, for the connector that needs it; None when unset."""
        return self._from_keyring(connector, credential) or self._env.get(
            connector.env_var(credential)
        )

    def origin(self, connector: type[Connector], credential: CredentialField) -> Origin:
        """Where the credential would come from; never its value."""
        if self._from_keyring(connector, credential):
            return "keyring"
        if self._env.get(connector.env_var(credential)):
            return "env"
        return "unset"

    def set(self, connector: type[Connector], credential: CredentialField, value: str) -> None:
        """Store a credential in the OS keyring."""
        keyring.set_password(SERVICE, self._username(connector, credential), value)

    def delete(self, connector: type[Connector], credential: CredentialField) -> None:
        """Remove a credential from the OS keyring (a missing one is fine)."""
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(SERVICE, self._username(connector, credential))
