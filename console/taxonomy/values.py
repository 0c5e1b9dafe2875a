"""Checks of one UTM value: case, whitespace, encoding, placeholders, junk, PII, vocabulary.

Campaign values repeat endlessly (a few hundred distinct values in millions of events), so
each (field, value) pair is checked once and the answer memoized; a clean value costs a
dict lookup.
"""

from __future__ import annotations

import re

from console.events import Finding
from console.taxonomy.model import Taxonomy, UtmField

_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}|&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);|\ufffd")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"^\s|\s$|\s\s|[\t\n\r\f\v]")
_MEMO_LIMIT = 20_000


class ValueChecker:
    """Checks UTM values against a taxonomy, remembering the answer per (field, value)."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._memo: dict[tuple[str, str], tuple[Finding, ...]] = {}

    def check(self, spec: UtmField, value: str) -> tuple[Finding, ...]:
        """The findings on one value of one field (shared objects: copy before changing)."""
        key = (spec.name, value)
        found = self._memo.get(key)
        if found is None:
            found = tuple(f for f in self._check(spec, value) if f is not None)
            if len(self._memo) > _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _check(self, spec: UtmField, value: str) -> list[Finding | None]:
        tax = self.taxonomy
        param = spec.param
        out: list[Finding | None] = []
        shown = value
        if _SPACES.search(value):
            out.append(
                tax.finding(
                    "utm.whitespace",
                    f"{param} {value!r} has stray whitespace",
                    field=param,
                    value=value,
                )
            )
        if _ENCODED.search(value) or _CONTROL.search(value):
            out.append(
                tax.finding(
                    "utm.encoding",
                    f"{param} {value!r} is still encoded or holds broken characters",
                    field=param,
                    value=value,
                )
            )
        stripped = value.strip()
        lowered = stripped.lower()
        unusable = False
        if tax.placeholders is not None and tax.placeholders.search(value):
            unusable = True
            out.append(
                tax.finding(
                    "utm.placeholder",
                    f"{param} {value!r} is an unfilled template placeholder",
                    field=param,
                    value=value,
                )
            )
        elif lowered in tax.junk:
            unusable = True
            out.append(
                tax.finding(
                    "utm.junk", f"{param} is {value!r}, not a value", field=param, value=value
                )
            )
        for kind, pattern in tax.pii:
            if pattern.search(value):
                shown = pattern.sub(f"<{kind}>", shown)
                out.append(
                    tax.finding(
                        "utm.pii",
                        f"{param} contains personal data ({kind})",
                        field=param,
                        value=shown,
                    )
                )
        if unusable or any(f is not None and f.code == "utm.pii" for f in out):
            return out
        if spec.lowercase and stripped != lowered:
            out.append(
                tax.finding(
                    "utm.uppercase",
                    f"{param} {value!r} has uppercase letters; the taxonomy expects {lowered!r}",
                    field=param,
                    value=value,
                )
            )
        compared = lowered if spec.lowercase else stripped
        if spec.allowed and compared not in spec.allowed:
            out.append(
                tax.finding(
                    "utm.not_allowed",
                    f"{param} {value!r} is not one of the allowed values",
                    field=param,
                    value=value,
                    hint="use one of: " + ", ".join(sorted(spec.allowed)[:12]),
                )
            )
        if spec.pattern is not None and not spec.pattern.fullmatch(compared):
            out.append(
                tax.finding(
                    "utm.pattern",
                    f"{param} {value!r} does not match the naming pattern",
                    field=param,
                    value=value,
                    hint=f"follow the pattern {spec.pattern.pattern}",
                )
            )
        if spec.max_length and len(value) > spec.max_length:
            out.append(
                tax.finding(
                    "utm.pattern",
                    f"{param} is {len(value)} characters long (at most {spec.max_length})",
                    field=param,
                    value=value[:60] + "…",
                    hint="shorten the value; long UTMs are truncated by reports and URL limits",
                )
            )
        if spec.name == "medium" and tax.mediums and lowered not in tax.mediums:
            out.append(
                tax.finding(
                    "medium.unknown",
                    f"utm_medium {value!r} is not in the medium vocabulary",
                    field=param,
                    value=value,
                    hint="use one of: " + ", ".join(sorted(tax.mediums)),
                )
            )
        return out
