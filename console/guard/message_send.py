"""A test message send the one guarded way: render, gate, send once, audit.

A destination that can message people (Braze) renders the request
(:class:`~console.contract.Messaging`); this module places it (the destination's base URL
for the connector's settings, ``MARTECH_<CONNECTOR>_BASE_URL`` for a sandbox), shows it with
the credentials masked for a dry run and, for a real send, asks the gate first: the action
``message.send`` names every recipient, and a recipient outside the policy's
``braze_test_users`` refuses the whole send before its request is built (audited, as every
decision is). An allowed send goes out once (never retried: a second one could reach the
person twice) and is audited with the rule that allowed it; the vendor refusing it (a bad
key, 4xx, 5xx, unreachable) is audited under ``send.refused``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from console.contract import Destination, MessageSend, Messaging, PlannedRequest
from console.credentials import CredentialStore
from console.errors import ConsoleError, InputError
from console.guard.flow import gated_send, who_am_i
from console.guard.gate import Action
from console.guard.policy import Policy
from console.host import PluginHost
from console.remote.client import VendorClient
from console.sync.execute import ExecuteOptions
from console.sync.plan import base_url_override, home_url, request_json
from console.sync.redact import MASK, Redactor

KIND = "message.send"
ONCE = ExecuteOptions(attempts=1)


class SendRefused(ConsoleError):
    """The vendor refused or failed the send: audited under ``send.refused``."""

    title = "Send refused"
    rule = "send.refused"


@dataclass(frozen=True, slots=True)
class Sender:
    """Where and how one connector's test sends go."""

    connector: str
    destination: Destination
    messaging: Messaging
    base_url: str
    credentials: dict[str, str]
    secrets: tuple[str, ...]
    """The credential values to mask (the secret fields only: not an instance's name)."""

    def render(self, send: MessageSend) -> PlannedRequest:
        """The send's one request (an :class:`InputError` saying what is wrong)."""
        if send.kind not in self.messaging.kinds:
            kinds = ", ".join(self.messaging.kinds)
            raise InputError(f"{self.connector} has no {send.kind} send", hint=f"use: {kinds}")
        try:
            return self.messaging.render(send)
        except ValueError as exc:
            raise InputError(f"{self.connector}: {exc}", hint="fix the send's options") from None

    def shown(self, request: PlannedRequest) -> dict[str, Any]:
        """The request as it would leave, authentication included but masked."""
        shown = request_json(self.base_url, request)
        try:
            auth = self.destination.auth_headers(self.credentials)
        except (KeyError, ValueError):
            auth = {"Authorization": "(added when sent: the API key is not set)"}
        redact = Redactor(self.secrets)
        shown["headers"] = {**shown["headers"],
                            **{k: _masked(redact(v)) for k, v in auth.items()}}  # fmt: skip
        shown.pop("rows", None)
        shown["recipients"] = list(request.rows)
        return shown

    async def send(self, request: PlannedRequest) -> str:
        """Send the request once; the vendor's id for the dispatch."""
        async with httpx.AsyncClient() as http:
            client = VendorClient(self.destination, self.credentials, http,
                                  base_url=self.base_url, options=ONCE)  # fmt: skip
            client.redact = Redactor(self.secrets)
            answer = await client.send(request)
            return client.read(self.messaging.read, answer)


def sender_for(
    host: PluginHost,
    connector: str,
    *,
    require: bool,
    store: CredentialStore | None = None,
    env: Mapping[str, str] | None = None,
) -> Sender:
    """The connector's sender; ``require``: every credential set (an :class:`AuthError`
    naming the missing one), else whatever is set (a dry run needs none)."""
    found = host.destinations().get(connector)
    if found is None or found.item.messaging is None:
        able = [n for n, r in host.destinations().items() if r.item.messaging is not None]
        raise InputError(f"{connector} cannot send test messages",
                         hint=f"these can: {', '.join(sorted(able)) or 'none'}")  # fmt: skip
    destination, store = found.item, store or CredentialStore()
    cls = host.connectors()[connector].item
    values = store.require(cls) if require else store.values(cls)
    settings = {f.name: values[f.name] for f in cls.credentials
                if not f.secret and f.name in values}  # fmt: skip
    secrets = tuple(values[f.name] for f in cls.credentials if f.secret and f.name in values)
    env = os.environ if env is None else env
    base_url = base_url_override(connector, env) or home_url(destination, settings)
    return Sender(connector, destination, found.item.messaging, base_url, values, secrets)


def send_action(connector: str, send: MessageSend) -> Action:
    """The gate's view of a test send: production (it reaches people), every recipient."""
    target = f"{send.kind} {send.ref}" if send.ref else send.kind
    return Action(
        kind=KIND,
        who=who_am_i(),
        target=target,
        destination=connector,
        production=True,
        recipients=send.recipients,
        counts={"recipients": len(send.recipients)},
    )


def guarded_send(warehouse: Path, policy: Policy | None, sender: Sender,
                 send: MessageSend) -> tuple[PlannedRequest, str]:  # fmt: skip
    """Gate, then render and send; the request sent and the dispatch id.

    The request is built only once the gate allowed every recipient.
    """
    built: list[PlannedRequest] = []

    def go() -> str:
        built.append(sender.render(send))
        return asyncio.run(sender.send(built[0]))

    dispatch = gated_send(warehouse, policy, send_action(sender.connector, send), go,
                          SendRefused)  # fmt: skip
    return built[0], dispatch


def _masked(value: str) -> str:
    return value if MASK in value or value.startswith("(") else f"{value.split(' ')[0]} {MASK}"
