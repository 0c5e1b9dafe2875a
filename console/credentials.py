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
from console.errors import AuthError, InputError

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
        """Store a credential in the OS keyring (:class:`KeyringUnavailable` when the machine
        has no keyring to store it in)."""
        try:
            keyring.set_password(SERVICE, self._username(connector, credential), value)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(connector, credential, exc) from None

    def delete(self, connector: type[Connector], credential: CredentialField) -> None:
        """Remove a credential from the OS keyring (a missing one is fine)."""
        try:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password(SERVICE, self._username(connector, credential))
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(connector, credential, exc) from None

    def require(self, connector: type[Connector]) -> dict[str, str]:
        """Every set credential of a connector, or an :class:`AuthError` naming the first
        required one that is missing and how to set it."""
        values = self.values(connector)
        for field in connector.credentials:
            if field.required and field.name not in values:
                raise AuthError(
                    f"{connector.name} {field.name} is not set",
                    hint=f"martech creds set {connector.name} {field.name}, or set "
                    f"{connector.env_var(field)}",
                )
        return values

    def values(self, connector: type[Connector]) -> dict[str, str]:
        """Every set credential of a connector, by field name (for the engine that sends)."""
        found = {field.name: self.get(connector, field) for field in connector.credentials}
        return {name: value for name, value in found.items() if value}


class KeyringUnavailable(InputError):
    """The machine has no usable keyring backend: says how to provide the credential."""

    title = "No keyring"

    def __init__(
        self, connector: type[Connector], credential: CredentialField, exc: Exception
    ) -> None:
        super().__init__(
            f"cannot store {connector.name} {credential.name}: this machine has no usable "
            f"keyring ({type(exc).__name__})",
            hint=f"set {connector.env_var(credential)} in the environment instead (CI), or "
            "install a keyring backend (Secret Service, macOS Keychain, keyrings.alt)",
        )
