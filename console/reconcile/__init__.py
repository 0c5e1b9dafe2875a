"""Reconciliation: what each vendor believes about people versus what the events say.

A destination's read-back (:class:`console.ReadBack`) renders the reads; the sync engine's
sender sends them; each person's vendor record is compared with the touch engine's
computed first/last touch and with what the last sync sent, and each disagreement is
explained from the person's story (``docs/reconcile.md``)::

    result = reconcile(session, "hubspot", credentials)            # everyone
    result = reconcile(session, "hubspot", credentials, user="ada@example.com")
    to_text(result); to_json(result); result.exit_code
"""

from console.reconcile.compare import KINDS, STATUSES, Difference, Verdict, claim_agrees
from console.reconcile.read import NoReadBack, ReadResult, read_people
from console.reconcile.report import SCHEMA, to_json, to_text, verdict_json, verdict_lines
from console.reconcile.run import Reconciliation, destination_of, reconcile

__all__ = [
    "KINDS",
    "SCHEMA",
    "STATUSES",
    "Difference",
    "NoReadBack",
    "ReadResult",
    "Reconciliation",
    "Verdict",
    "claim_agrees",
    "destination_of",
    "read_people",
    "reconcile",
    "to_json",
    "to_text",
    "verdict_json",
    "verdict_lines",
]
