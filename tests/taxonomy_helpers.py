"""Building events and taxonomies for the taxonomy tests."""

from __future__ import annotations

import functools
import tempfile
import textwrap
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from console.campaign import enrich
from console.events import Event, Finding
from console.taxonomy import Taxonomy, load_taxonomy
from console.validation.validator import Validator

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SITE = "https://www.acme.io"
_ids = count(1)


def event(
    kind: str = "page", *, minutes: float = 0, taxonomy: Taxonomy | None = None, **fields: Any
) -> Event:
    """An enriched event (UTMs and click IDs read from its page URL, as connectors do)."""
    fields.setdefault("anonymous_id", "anon-1")
    if kind == "page":
        fields.setdefault("page_url", SITE + "/")
        fields.setdefault("referrer", "")
    built = Event(
        source="segment",
        message_id=f"m{next(_ids)}",
        type=kind,
        timestamp=T0 + timedelta(minutes=minutes),
        **fields,
    )
    return enrich(built, (taxonomy or load_taxonomy()).click_ids)


@functools.cache
def stateless() -> Taxonomy:
    """The default taxonomy without the first/last-touch requirement (for the other rules)."""
    folder = Path(tempfile.mkdtemp(prefix="taxonomy-"))
    return load_taxonomy(team_file(folder, 'extends = "default"\n[state]\nrequired = "never"\n'))


def check(*events: Event, taxonomy: Taxonomy | None = None) -> list[list[Finding]]:
    """Validate the events as one batch with a fresh validator; their findings, in order.

    Without a taxonomy, the default one minus the state requirement (see ``stateless``).
    """
    Validator(taxonomy or stateless())(list(events))
    return [e.findings or [] for e in events]


def codes(findings: list[Finding]) -> list[str]:
    """The codes of a list of findings, in order."""
    return [f.code for f in findings]


def team_file(tmp_path: Path, text: str, name: str = "team.toml") -> Path:
    """Write a taxonomy file (dedented) and return its path."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path
