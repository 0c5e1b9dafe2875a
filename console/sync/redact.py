"""Keeping credentials out of everything a run writes or shows.

Vendor messages, transport errors and URLs can echo what was sent; every text the engine
stores in the ledger or prints passes through a :class:`Redactor` holding the run's
secret values.
"""

from __future__ import annotations

from collections.abc import Iterable

MASK = "****"
MIN_SECRET = 4
"""Shorter values are not masked (they would mask ordinary words)."""


class Redactor:
    """Replaces each known secret value in a text with ``****``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        values = {s for s in secrets if s and len(s) >= MIN_SECRET}
        self._secrets = sorted(values, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text
