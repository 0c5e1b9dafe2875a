"""Guardrails: the policy, the gate every remote write passes, and the audit of it."""

from console.guard.audit import Audit, AuditEntry
from console.guard.gate import Action, Decision, confirmation, decide, effective_role
from console.guard.policy import Member, Override, Policy, PolicyError, load_policy

__all__ = [
    "Action",
    "Audit",
    "AuditEntry",
    "Decision",
    "Member",
    "Override",
    "Policy",
    "PolicyError",
    "confirmation",
    "decide",
    "effective_role",
    "load_policy",
]
