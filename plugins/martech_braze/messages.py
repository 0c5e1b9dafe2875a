"""Braze test sends: one request to named users, never to a segment or a broadcast.

- ``campaign``: ``POST /campaigns/trigger/send`` ``{"campaign_id", "broadcast": false,
  "recipients": [{"external_user_id"}, ...]}``: an API-triggered campaign, its content kept
  in Braze.
- ``canvas``: ``POST /canvas/trigger/send``, the same with ``canvas_id``.
- ``message``: ``POST /messages/send`` ``{"broadcast": false, "external_user_ids": [...],
  "messages": {...}}``: the content given in full (Braze's ``messages`` object, e.g.
  ``{"email": {"app_id", "subject", "from", "body"}}``).

At most 50 recipients (Braze's limit for one messaging request), each an external user id.
``broadcast`` is always sent as ``false`` and the ``messages`` object may not carry an
audience of its own: the people reached are exactly the recipients the guardrails checked.
The answer's ``dispatch_id`` names the send. A send is never retried on a timeout (Braze
would send it twice).
"""

from __future__ import annotations

from typing import Any

from console import MessageSend, Messaging, PlannedRequest, VendorAnswer

MAX_RECIPIENTS = 50
PATHS = {"campaign": "/campaigns/trigger/send", "canvas": "/canvas/trigger/send",
         "message": "/messages/send"}  # fmt: skip
AUDIENCE_KEYS = ("broadcast", "external_user_ids", "user_aliases", "segment_id", "audience",
                 "recipients")  # fmt: skip
"""Keys that would widen the audience: refused inside a message file."""


def render(send: MessageSend) -> PlannedRequest:
    """The one request of a test send (a ValueError names what is wrong with it)."""
    recipients = list(send.recipients)
    if not recipients:
        raise ValueError("a test send needs at least one recipient (--to USER)")
    if len(recipients) > MAX_RECIPIENTS:
        raise ValueError(
            f"Braze sends to at most {MAX_RECIPIENTS} users a request; got {len(recipients)}"
        )
    blank = [r for r in recipients if not r.strip()]
    if blank:
        raise ValueError("a recipient is an empty user id")
    body: dict[str, Any]
    if send.kind in ("campaign", "canvas"):
        if not send.ref or not send.ref.strip():
            raise ValueError(f"a {send.kind} send needs the {send.kind}'s id")
        body = {
            f"{send.kind}_id": send.ref.strip(),
            "broadcast": False,
            "recipients": [{"external_user_id": r} for r in recipients],
        }
    elif send.kind == "message":
        body = {"broadcast": False, "external_user_ids": recipients,
                "messages": _messages(send.messages)}  # fmt: skip
    else:
        raise ValueError(f"Braze has no {send.kind!r} send (campaign, canvas or message)")
    return PlannedRequest(
        method="POST",
        path=PATHS[send.kind],
        rows=tuple(recipients),
        json=body,
        headers={"Content-Type": "application/json"},
        retry_safe=False,
    )


def _messages(messages: Any) -> dict[str, Any]:
    if not isinstance(messages, dict) or not messages:
        raise ValueError(
            'the message file holds Braze\'s "messages" object, e.g. '
            '{"email": {"app_id": "...", "subject": "...", "from": "...", "body": "..."}}'
        )
    widening = [k for k in AUDIENCE_KEYS if k in messages]
    if widening:
        raise ValueError(
            f"the message file names an audience ({', '.join(widening)}): a test send "
            "reaches only the --to users; keep only the messages object"
        )
    bad = [k for k, v in messages.items() if not isinstance(v, dict)]
    if bad:
        raise ValueError(f"messages.{bad[0]} must be an object (a channel's message)")
    return dict(messages)


def read(answer: VendorAnswer) -> str:
    """The ``dispatch_id`` Braze gives the send."""
    body = answer.json()
    dispatch = body.get("dispatch_id") if isinstance(body, dict) else None
    if not isinstance(dispatch, str) or not dispatch:
        raise ValueError("Braze's answer has no dispatch_id")
    return dispatch


MESSAGING = Messaging(kinds=("campaign", "canvas", "message"), render=render, read=read,
                      max_recipients=MAX_RECIPIENTS)  # fmt: skip
