"""What a destination registers to send a *test message* to named people (Braze: a
campaign, a Canvas or an API-only message): the request it renders and the answer it reads.

Like the rest of a destination, this does no I/O: the core renders the request for a dry
run, passes every real send through the guardrails (each recipient must be on the policy's
test allowlist, checked before any request is built) and sends it, once, with the
destination's base URL and authentication.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from console.contract.destinations import PlannedRequest, VendorAnswer

SendKind = Literal["campaign", "canvas", "message"]


@dataclass(frozen=True, slots=True)
class MessageSend:
    """A test send as asked: what to send, and to whom (user ids, never a segment)."""

    kind: SendKind
    recipients: tuple[str, ...]
    ref: str | None = None
    """The campaign's or Canvas's id (``campaign``, ``canvas``)."""
    messages: Mapping[str, Any] | None = None
    """The message content (``message``: Braze's ``messages`` object)."""


@dataclass(frozen=True, slots=True)
class Messaging:
    """A destination's test sends: ``render(send)`` the one request (a ValueError names
    what is wrong with the send), ``read(answer)`` the vendor's id for the dispatch."""

    kinds: tuple[SendKind, ...]
    render: Callable[[MessageSend], PlannedRequest]
    read: Callable[[VendorAnswer], str]
    max_recipients: int = 50
