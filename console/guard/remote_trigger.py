"""Triggering a remote sync the one guarded way: the gate, the trigger, the audit.

A trigger writes to real destinations (Hightouch sends the sync's rows wherever it points),
and the console cannot see how many rows or where: so every trigger counts as a write to
production. Without a policy file it is refused (``policy.missing``); a viewer is refused
(``production.operator``); an operator or admin may, unless an override for the sync's slug
or for the connector asks for more. The vendor refusing the trigger (a bad key, an unknown
or disabled sync) is audited too, under ``remote.refused``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from console.contract import RemoteSync, TriggerOptions
from console.errors import ConsoleError
from console.guard.flow import Refused, gated_send, refuse_and_audit, who_am_i
from console.guard.gate import Action
from console.guard.policy import Policy

KIND = "remote.trigger"


class TriggerRefused(ConsoleError):
    """The remote refused or failed the trigger: audited under ``remote.refused``."""

    title = "Trigger refused"
    rule = "remote.refused"


def trigger_action(connector: str, sync: RemoteSync, options: TriggerOptions) -> Action:
    """The gate's view of triggering ``sync``: always production (see the module doc).

    The target is the sync's slug (a policy override names it as ``sync = "<slug>"``); the
    destination is the connector (``destination = "hightouch"`` covers every trigger). The
    flags asked for are kept in the audit's counts.
    """
    return named_action(connector, sync.slug, options)


def named_action(connector: str, target: str, options: TriggerOptions) -> Action:
    """The gate's view of triggering the sync named ``target`` (its slug, or the id or slug
    given when the remote could not say which sync it is)."""
    flags = {"full_resync": options.full_resync, "reset_cdc": options.reset_cdc,
             "clear_and_fill": options.clear_and_fill}  # fmt: skip
    return Action(
        kind=KIND,
        who=who_am_i(),
        target=target,
        destination=connector,
        production=True,
        counts={name: int(on) for name, on in flags.items()},
    )


def lookup_refused(
    warehouse: Path, connector: str, target: str, options: TriggerOptions, message: str
) -> Refused:
    """The remote could not name the sync to trigger (unknown, or the key was refused):
    audited under ``remote.refused``, as a refused trigger; nothing was sent."""
    return refuse_and_audit(
        warehouse, named_action(connector, target, options), TriggerRefused.rule, message
    )


def guarded_trigger(
    warehouse: Path,
    policy: Policy | None,
    action: Action,
    send: Callable[[], str],
) -> str:
    """Pass the gate, then ``send`` the trigger; returns the run id (audited with it).

    Nothing is sent when the gate refuses (:class:`~console.guard.flow.Refused`); a trigger
    the remote refuses is audited and raised as a ``Refused`` of rule ``remote.refused``.
    """
    return gated_send(warehouse, policy, action, send, TriggerRefused)
