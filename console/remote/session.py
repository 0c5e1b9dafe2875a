"""Reaching the registered remotes: credentials, base URL and a client, the same way for the
CLI (``martech <connector> ...``) and the console's Syncs screen.

A :class:`RemoteSession` looks up a remote's credentials (keyring, then environment), where
to send (``MARTECH_<CONNECTOR>_BASE_URL`` overrides the remote's own URL, which is how tests
and the demo point it at the sandbox) and runs one piece of async work with a fresh
:class:`RemoteClient`. ``stand_ins`` replaces the credentials with a placeholder: only for
the demo, whose every URL points at the in-process sandbox.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import httpx

from console.contract import Remote
from console.credentials import CredentialStore
from console.errors import InputError
from console.host import PluginHost
from console.remote.client import RemoteClient
from console.sync.execute import ExecuteOptions
from console.sync.plan import base_url_override

T = TypeVar("T")
STAND_IN = "sandbox-token"


class RemoteSession:
    """Every registered remote of a host, ready to be talked to (see the module doc)."""

    def __init__(
        self,
        host: PluginHost,
        credentials: CredentialStore | None = None,
        env: Mapping[str, str] | None = None,
        *,
        stand_ins: bool = False,
        options: ExecuteOptions | None = None,
    ) -> None:
        self.host = host
        self.credentials = credentials or CredentialStore()
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.stand_ins = stand_ins
        self.options = options
        """The client's patience (tries, backoff); the client's defaults when None."""

    def connectors(self) -> list[str]:
        """The registered remotes' names, sorted."""
        return sorted(self.host.remotes())

    def remote(self, connector: str) -> Remote:
        """The remote registered as ``connector`` (an :class:`InputError` naming the others)."""
        found = self.host.remotes().get(connector)
        if found is None:
            known = ", ".join(self.connectors()) or "none are loaded"
            raise InputError(f"no remote {connector!r}", hint=f"remotes: {known}")
        return found.item

    def base_url(self, connector: str) -> str:
        """Where ``connector``'s requests go."""
        return base_url_override(connector, self.env) or self.remote(connector).base_url

    def credentials_for(self, connector: str) -> dict[str, str]:
        """The remote's credentials (an :class:`AuthError` naming a missing one and its fix)."""
        found = self.host.connectors().get(connector)
        if found is None:
            return {}
        if self.stand_ins:
            return {field.name: STAND_IN for field in found.item.credentials}
        return self.credentials.require(found.item)

    def run(self, connector: str, work: Callable[[RemoteClient], Awaitable[T]]) -> T:
        """Run ``work`` with a client of ``connector`` to its end (blocks: call it from a
        worker thread or a command, never from the console's event loop)."""
        remote = self.remote(connector)
        credentials = self.credentials_for(connector)
        base_url = self.base_url(connector)

        async def go() -> T:
            async with httpx.AsyncClient() as http:
                return await work(
                    RemoteClient(remote, credentials, http, base_url=base_url, options=self.options)
                )

        return asyncio.run(go())
