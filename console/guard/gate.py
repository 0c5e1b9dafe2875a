"""The gate every remote write passes: a sync executed, a remote sync triggered, a test send.

:func:`decide` reads the policy and the action and says yes or no, naming the rule that
decided and, for a no, what would make it a yes. It protects against accidents by people
using the console (a "test" that would write to a million production records, a newcomer
running a production sync); it cannot stop someone who edits the policy file or calls the
vendor's API directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from console.guard.policy import EXAMPLE, ROLES, Member, Policy


@dataclass(frozen=True, slots=True)
class Action:
    """A remote write about to happen."""

    kind: str
    """``sync.execute``, ``remote.trigger`` or ``message.send``."""
    who: str
    target: str
    """The sync (or remote sync, or campaign) it acts on."""
    destination: str
    production: bool
    writes: int = 0
    """Records it would create, change or delete."""
    deletes: int = 0
    plan_id: str | None = None
    confirm: str | None = None
    """What the person typed to confirm (``NAME:COUNT``)."""
    recipients: tuple[str, ...] = ()
    """For a message send: who it would reach."""
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Decision:
    """Yes or no, the rule that decided, and the words for the person."""

    allowed: bool
    rule: str
    message: str
    role: str | None = None
    """The member's role as it counted (after tenure)."""

    @property
    def needs_confirmation(self) -> bool:
        """True when only the typed confirmation is missing or wrong."""
        return self.rule == "blast_radius.confirm"


def confirmation(action: Action) -> str:
    """What the person must type to confirm a large write."""
    return f"{action.target}:{action.writes}"


def decide(policy: Policy | None, action: Action, today: date | None = None) -> Decision:
    """Whether ``action`` may go ahead under ``policy`` (None: no policy file)."""
    today = today or date.today()
    if policy is None:
        return _without_policy(action)
    member = policy.members.get(action.who)
    if member is None:
        known = ", ".join(sorted(policy.members)) or "nobody"
        return Decision(
            False,
            "member.unknown",
            f"{action.who!r} is not a member in {policy.path} (members: {known}); "
            "ask an admin to add you",
        )
    role = effective_role(member, policy, today)
    junior = role != member.role
    said = f"{action.who} acts as {role}" + (
        f" (joined {member.joined}, under {policy.tenure_days} days ago)" if junior else ""
    )
    if action.kind == "message.send":
        return _send(policy, action, role, said)
    if role == "viewer":
        if action.production:
            message = f"{said}: writing to production needs an operator or an admin"
            return Decision(False, "production.operator", message, role)
        return Decision(False, "role.viewer", f"{said}: viewers plan and read, never write", role)
    overrides = policy.overrides_for(action.target, action.destination)
    for override in overrides:
        if override.role and _rank(role) < _rank(override.role):
            what = override.sync or override.destination
            return Decision(
                False,
                "override.role",
                f"{said}: {what} needs {override.role} ({policy.path})",
                role,
            )
    radius = min([policy.blast_radius, *(o.blast_radius for o in overrides if o.blast_radius)])
    if action.deletes > radius and role != "admin":
        return Decision(
            False,
            "deletes.admin",
            f"{said}: deleting {action.deletes:,} records (over {radius:,}) needs an admin",
            role,
        )
    if action.writes > radius:
        if role != "admin":
            return Decision(
                False,
                "blast_radius.admin",
                f"{said}: writing {action.writes:,} records (over {radius:,}) needs an admin",
                role,
            )
        expected = confirmation(action)
        if action.confirm != expected:
            typed = f"got {action.confirm!r}" if action.confirm else "none given"
            return Decision(
                False,
                "blast_radius.confirm",
                f"writing {action.writes:,} records (over {radius:,}) needs a typed "
                f"confirmation: --confirm {expected} ({typed})",
                role,
            )
        return Decision(True, "blast_radius.confirmed", f"{said}; confirmed {expected}", role)
    return Decision(True, "role.allowed", f"{said}", role)


def effective_role(member: Member, policy: Policy, today: date) -> str:
    """The member's role, one lower while their tenure is under the policy's."""
    joined = member.joined.date() if isinstance(member.joined, datetime) else member.joined
    if (today - joined).days < policy.tenure_days:
        return ROLES[max(0, _rank(member.role) - 1)]
    return member.role


def _without_policy(action: Action) -> Decision:
    if action.production or action.kind == "message.send":
        return Decision(
            False,
            "policy.missing",
            "no policy file: writes to production (and message sends) need one. "
            "Write one (docs/guardrails.md) and pass --policy, set MARTECH_POLICY "
            "or `policy` in the config:\n" + _example(action),
        )
    return Decision(True, "policy.none", "no policy file: a write outside production is allowed")


def _example(action: Action) -> str:
    example = EXAMPLE.format(login=action.who)
    if action.kind != "message.send":
        return example
    users = ", ".join(f'"{r}"' for r in action.recipients[:3]) or '"qa-1"'
    return example.replace("tenure_days = 30", f"tenure_days = 30\nbraze_test_users = [{users}]")


def _send(policy: Policy, action: Action, role: str, said: str) -> Decision:
    if role == "viewer":
        return Decision(False, "role.viewer", f"{said}: viewers never send", role)
    outside = sorted(set(action.recipients) - policy.braze_test_users)
    if not action.recipients or outside:
        shown = ", ".join(outside[:5]) + (" ..." if len(outside) > 5 else "")
        return Decision(
            False,
            "send.allowlist",
            f"a test send reaches only the policy's braze_test_users; not: "
            f"{shown or 'an empty audience'}",
            role,
        )
    return Decision(True, "send.allowlist", f"{said}: every recipient is a test user", role)


def _rank(role: str) -> int:
    return ROLES.index(role)
