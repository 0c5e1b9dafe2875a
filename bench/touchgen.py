"""Touch-benchmark traffic: the sample data's generator, scaled up in chunks of people.

``sample_data/generate.py`` plans realistic journeys (sessions, landings with UTMs, click
IDs and referrers, identify/alias, cross-device and cookie resets, conversions) and the
first/last-touch state a correct tracker reports on every page view, plus a few planted
mistakes. Run here chunk by chunk (10,000 people each, its own seed), with each chunk's
user ids prefixed so chunks never merge, then decoded by the real Segment decoder and
``console.campaign.enrich`` like the collector does. Deterministic for a seed. To reach a
number of events with a number of people, each person keeps the beginning of their journey
(see :func:`message_chunks`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from martech_segment.decode import decode_message

from console.campaign import enrich
from console.events import Event
from console.taxonomy.loader import load_click_id_registry

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "sample_data" / "generate.py"
CHUNK_PEOPLE = 10_000


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("martech_sample_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = sys.modules.get(spec.name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return module


def fingerprint() -> str:
    """A hash of what decides the generated file: the two generators and how the
    warehouse stores rows (schema, row format, body compression)."""
    import console.warehouse as warehouse

    digest = hashlib.sha256(GENERATOR.read_bytes())
    digest.update(Path(__file__).read_bytes())
    for name in ("schema.py", "rows.py", "codec.py"):
        digest.update((Path(warehouse.__file__).parent / name).read_bytes())
    return digest.hexdigest()[:12]


def _prefix(message: dict[str, Any], tag: str) -> dict[str, Any]:
    for key in ("userId", "previousId"):
        value = message.get(key)
        if isinstance(value, str) and value.startswith("usr_"):
            message[key] = f"{tag}{value}"
    return message


def _caps(sizes: list[int], quota: int) -> list[int]:
    """Per person, how many of their first events to keep so the total is ``quota``: the
    largest common cap that fits, plus one more for some people to land exactly on it."""
    if sum(sizes) <= quota:
        return sizes
    low, high = 0, max(sizes)
    while low < high:
        mid = (low + high + 1) // 2
        if sum(min(n, mid) for n in sizes) <= quota:
            low = mid
        else:
            high = mid - 1
    caps = [min(n, low) for n in sizes]
    left = quota - sum(caps)
    for i, n in enumerate(sizes):
        if left <= 0:
            break
        if n > caps[i]:
            caps[i] += 1
            left -= 1
    return caps


def message_chunks(seed: int, people: int, limit: int) -> Iterator[list[dict[str, Any]]]:
    """Segment messages, one time-sorted list per chunk of people, ``limit`` in all.

    Every generated person is kept: each chunk gets its share of the limit, and where the
    journeys are longer than that allows, people keep their first N events (a snapshot of
    each journey's beginning), with N the same for everyone in the chunk.
    """
    gen = _generator()
    done = chunk = 0
    left = limit
    while done < people and left > 0:
        size = min(CHUNK_PEOPLE, people - done)
        done += size
        quota = left if done >= people else min(left, round(limit * size / people))
        gen.PEOPLE, gen.SEED = size, seed * 1_000 + chunk
        rng = random.Random(gen.SEED)
        planned = gen.plan_people(rng)
        gen.plant_mistakes(rng, planned)
        em = gen.Emitter(rng)
        spans = []
        for person in planned:
            start = len(em.records)
            gen.emit_person(em, person)
            spans.append((start, len(em.records)))
        records = em.records
        caps = _caps([end - start for start, end in spans], quota)
        kept = []
        for (start, end), cap in zip(spans, caps, strict=True):
            mine = sorted(records[start:end], key=lambda r: (r[0], r[1]))
            kept += mine[:cap]
        kept.sort(key=lambda r: (r[0], r[1]))
        tag = f"c{chunk}_"
        yield [_prefix(record[2], tag) for record in kept]
        left -= len(kept)
        chunk += 1


def event_chunks(seed: int, people: int, limit: int) -> Iterator[list[Event]]:
    """Normalized Events in chunks, ``limit`` in all (see :func:`message_chunks`)."""
    registry = load_click_id_registry()
    for messages in message_chunks(seed, people, limit):
        yield [enrich(decode_message(m), registry) for m in messages]
