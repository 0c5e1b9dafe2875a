"""``martech <connector> send``: a test message to named users (Braze), dry run by default.

Without ``--execute`` nothing leaves the machine: the exact request is printed, the API key
masked, with what the guardrails would say. With ``--execute`` the gate decides first
(``message.send``: every recipient must be on the policy's ``braze_test_users``; without a
policy, or as a viewer, it is refused), before the request is even built; every decision is
audited. Exit codes: 0 printed (dry run) or sent; 2 not done: a bad option or file, missing
credentials, a refusal by the guardrails or by the vendor.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from console.cli.context import (
    AppContext,
    BadUsage,
    db_option,
    json_option,
    pass_app,
    policy_option,
)
from console.cli.output import print_json
from console.contract import MessageSend
from console.contract.messaging import SendKind
from console.errors import ConsoleError
from console.guard.flow import policy_from
from console.guard.gate import decide
from console.guard.message_send import guarded_send, send_action, sender_for


def send_command(connector: str) -> click.Command:
    """The ``send`` command of one connector whose destination can message people."""

    @click.command("send")
    @click.option("--campaign", metavar="ID", help="An API-triggered campaign's id.")
    @click.option("--canvas", metavar="ID", help="An API-triggered Canvas's id.")
    @click.option("--message-file", type=click.Path(path_type=Path, dir_okay=False),
                  help="JSON: the message itself (Braze's messages object).")  # fmt: skip
    @click.option("--to", "recipients", multiple=True, metavar="USER", required=True,
                  help="An external user id to send to (repeat it; each must be on the "
                  "policy's braze_test_users).")  # fmt: skip
    @click.option("--execute", is_flag=True,
                  help="Send it, through the guardrails (default: print the request).")  # fmt: skip
    @policy_option
    @db_option
    @json_option
    @pass_app
    def send(
        app: AppContext, campaign: str | None, canvas: str | None, message_file: Path | None,
        recipients: tuple[str, ...], execute: bool, policy_path: Path | None, db: Path | None,
        as_json: bool,
    ) -> None:  # fmt: skip
        """Send a test message to named users: a campaign, a Canvas or a message file.

        Dry run by default: prints the exact request (the API key masked) and what the
        guardrails would say. --execute sends it once, if every recipient is on the
        policy's braze_test_users; every attempt is audited (martech audit)."""
        message = _message_send(campaign, canvas, message_file, recipients)
        try:
            sender = sender_for(app.host, connector, require=execute)
            policy = policy_from(policy_path or app.settings.policy_path)
        except ConsoleError as exc:
            raise BadUsage(str(exc)) from None
        if len(message.recipients) > sender.messaging.max_recipients:
            raise BadUsage(f"{connector} sends to at most {sender.messaging.max_recipients} "
                           f"users at once; got {len(message.recipients)}")  # fmt: skip
        if not execute:
            try:
                shown = sender.shown(sender.render(message))
            except ConsoleError as exc:
                raise BadUsage(str(exc)) from None
            decision = decide(policy, send_action(connector, message))
            gate = {"allowed": decision.allowed, "rule": decision.rule,
                    "message": decision.message}  # fmt: skip
            _print_dry_run(shown, gate, as_json)
            return
        warehouse = Path(db or app.settings.db_path)
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        try:
            request, dispatch = guarded_send(warehouse, policy, sender, message)
        except ConsoleError as exc:
            raise BadUsage(str(exc)) from None
        shown = sender.shown(request)
        if as_json:
            print_json({"sent": True, "dispatch_id": dispatch, "recipients": list(request.rows),
                        "request": shown})  # fmt: skip
            return
        who = ", ".join(request.rows)
        click.echo(f"sent {_what(message)} to {len(request.rows)} test "
                   f"{'user' if len(request.rows) == 1 else 'users'} ({who}): dispatch "
                   f"{dispatch}")  # fmt: skip

    return send


def _message_send(campaign: str | None, canvas: str | None, message_file: Path | None,
                  recipients: tuple[str, ...]) -> MessageSend:  # fmt: skip
    given = [n for n, v in (("--campaign", campaign), ("--canvas", canvas),
                            ("--message-file", message_file)) if v is not None]  # fmt: skip
    if len(given) != 1:
        got = "got " + ", ".join(given) if given else "none given"
        raise BadUsage(
            f"say what to send: one of --campaign ID, --canvas ID or --message-file PATH ({got})"
        )
    unique = tuple(dict.fromkeys(r.strip() for r in recipients))
    if any(not r for r in unique):
        raise BadUsage("--to needs a user id (an empty one was given)")
    kind: SendKind = "campaign" if campaign else "canvas" if canvas else "message"
    if message_file is None:
        return MessageSend(kind, unique, ref=campaign or canvas)
    try:
        content: Any = json.loads(message_file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadUsage(f"cannot read {message_file}: {exc.strerror}") from None
    except ValueError as exc:
        raise BadUsage(f"{message_file} is not JSON: {exc}") from None
    return MessageSend(kind, unique, messages=content)


def _what(message: MessageSend) -> str:
    return f"{message.kind} {message.ref}" if message.ref else "the message"


def _print_dry_run(shown: dict[str, Any], gate: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json({"dry_run": True, "request": shown, "gate": gate})
        return
    click.echo("dry run: nothing was sent (--execute sends it, through the guardrails)")
    click.echo(f"{shown['method']} {shown['url']}")
    for name, value in shown["headers"].items():
        click.echo(f"{name}: {value}")
    click.echo(json.dumps(shown.get("json"), indent=2, ensure_ascii=False))
    verdict = "allowed" if gate["allowed"] else "REFUSED"
    click.echo(f"with --execute: {verdict}: {gate['message']} [rule {gate['rule']}]")


def messenger_names(ctx: click.Context) -> set[str]:
    """The connectors whose destination can send test messages (none without an app)."""
    app = ctx.find_object(AppContext)
    if app is None:
        return set()
    return {name for name, reg in app.host.destinations().items() if reg.item.messaging}


def messenger_group(connector: str) -> click.Group:
    """``martech <connector>`` for a destination that sends test messages: ``send``."""

    @click.group(name=connector)
    def group() -> None:
        """Test messages to named users, through the guardrails."""

    group.help = f"{connector} test messages to named users (dry run unless --execute)."
    group.add_command(send_command(connector))
    return group
