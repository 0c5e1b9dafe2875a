"""Passing the gate: decide, audit the decision, start the write only when allowed.

Every command that writes to a vendor goes through :func:`pass_gate` with the action it
is about to take and a ``start`` callback that claims the run (for a sync: the ledger entry,
which refuses a second concurrent execution). A refusal, whatever the reason, is audited
and raised as :class:`Refused`.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from console.errors import ConsoleError
from console.guard.audit import opened
from console.guard.gate import Action, Decision, decide
from console.guard.policy import Policy, load_policy

R = TypeVar("R", int, int | None)


class Refused(ConsoleError):
    """The gate said no (the reason names the rule and what would make it a yes)."""

    title = "Refused"

    def __init__(self, decision: Decision) -> None:
        super().__init__(f"{decision.message} [rule {decision.rule}]")
        self.decision = decision


def who_am_i() -> str:
    """The OS login the policy knows people by."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def policy_from(path: Path | None) -> Policy | None:
    """The policy file's policy, or None when there is none."""
    return load_policy(path) if path is not None else None


def pass_gate(
    warehouse: Path,
    policy: Policy | None,
    action: Action,
    start: Callable[[], R],
    *,
    today: date | None = None,
) -> R:
    """Decide, audit, and start; returns what ``start`` returned (the run id).

    ``start`` may raise a :class:`ConsoleError` (the sync is already running, the vendor
    refused the trigger): that too is audited as a refusal, under the error's ``rule`` when
    it has one (else ``run.exclusive``).
    """
    decision = decide(policy, action, today)
    with opened(warehouse) as audit:
        if not decision.allowed:
            audit.record(action, decision)
            raise Refused(decision)
        try:
            run_id = start()
        except ConsoleError as exc:
            rule = str(getattr(exc, "rule", "run.exclusive"))
            busy = Decision(False, rule, exc.message, decision.role)
            audit.record(action, busy)
            raise Refused(busy) from None
        audit.record(action, decision, run_id)
    return run_id


def gated_send(
    warehouse: Path,
    policy: Policy | None,
    action: Action,
    send: Callable[[], str],
    refused: type[ConsoleError],
) -> str:
    """Pass the gate, then ``send`` (one request to the vendor: a trigger, a test send);
    returns the vendor's id for it, audited with the attempt (as the run when it is a
    number). Nothing is sent when the gate refuses; an error ``send`` raises (the vendor
    refused, or could not be reached) is audited under ``refused``'s rule and raised as a
    :class:`Refused`."""
    started: list[str] = []

    def start() -> int | None:
        try:
            sent = send()
        except ConsoleError as exc:
            raise refused(exc.message) from None
        started.append(sent)
        return int(sent) if sent.isdigit() else None

    pass_gate(warehouse, policy, action, start)
    return started[0]


def refuse_and_audit(warehouse: Path, action: Action, rule: str, message: str) -> Refused:
    """Audit a refusal decided before the gate (a plan that changed since review)."""
    decision = Decision(False, rule, message)
    with opened(warehouse) as audit:
        audit.record(action, decision)
    return Refused(decision)
