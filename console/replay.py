"""Replay: load an NDJSON file of events (normalized or any registered vendor format)."""

from __future__ import annotations

import gzip
import io
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import msgspec

from console.campaign import enrich
from console.contract import EventFormat
from console.errors import InputError, PayloadError
from console.events import Event, rejected_event
from console.host import PluginHost
from console.json_input import json_problem
from console.taxonomy.clickids import ClickIdRegistry
from console.warehouse import IngestResult, Warehouse

BATCH_SIZE = 2000
AUTO = "auto"
NORMALIZED = "normalized"


@dataclass(slots=True)
class Malformed:
    """A line that could not be read as JSON at all."""

    line: int
    reason: str


@dataclass(slots=True)
class ReplayReport:
    """What a replay did: counts, plus the first problems found with their line numbers."""

    path: str
    lines: int = 0
    result: IngestResult = field(default_factory=IngestResult)
    malformed: list[Malformed] = field(default_factory=list)
    malformed_count: int = 0
    rejections: list[tuple[int, str]] = field(default_factory=list)
    formats: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    """Stored events by taxonomy verdict (good/warn/bad/rejected), when validated."""

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (for ``--json``)."""
        return {
            "path": self.path,
            "lines": self.lines,
            "stored": self.result.stored,
            "duplicates": self.result.duplicates,
            "rejected": self.result.rejected,
            "malformed": self.malformed_count,
            "formats": dict(self.formats),
            "verdicts": dict(self.verdicts),
            "problems": [{"line": m.line, "reason": m.reason} for m in self.malformed]
            + [{"line": line, "reason": reason} for line, reason in self.rejections],
        }


KEEP_PROBLEMS = 20


class _Normalized:
    name = NORMALIZED
    connector = "console"

    @staticmethod
    def sniff(record: dict[str, Any]) -> bool:
        return "message_id" in record and "source" in record

    @staticmethod
    def decode(record: dict[str, Any]) -> list[Event]:
        try:
            return [msgspec.convert(record, Event)]
        except msgspec.ValidationError as exc:
            raise PayloadError(str(exc)) from None


class Replayer:
    """Reads records, decodes each with its format, and ingests them in batches."""

    def __init__(
        self,
        warehouse: Warehouse | None,
        host: PluginHost,
        registry: ClickIdRegistry,
        *,
        format_name: str = AUTO,
        validator: Callable[[Sequence[Event]], None] | None = None,
    ) -> None:
        self.warehouse = warehouse
        self.registry = registry
        self.host = host
        self.validator = validator
        """Called on each batch before it is stored (taxonomy validation)."""
        formats: list[Any] = [_Normalized, *(reg.item for reg in host.event_formats())]
        self.plugin_of = {reg.item.name: reg.plugin for reg in host.event_formats()}
        if format_name != AUTO:
            formats = [f for f in formats if f.name == format_name]
            if not formats:
                known = ", ".join([AUTO, NORMALIZED, *self.plugin_of])
                raise InputError(f"unknown format {format_name!r}", hint=f"choose one of: {known}")
        self.formats = formats
        self.forced = format_name != AUTO

    def _format_for(self, record: dict[str, Any]) -> EventFormat | Any | None:
        if self.forced:
            return self.formats[0]
        for fmt in self.formats:
            if fmt.sniff(record):
                return fmt
        return None

    def decode(self, record: Any) -> tuple[str, list[Event], str | None]:
        """Decode one record into events; undecodable ones become rejected events."""
        fmt = self._format_for(record) if isinstance(record, dict) else None
        if fmt is None:
            reason = (
                "not a known event format"
                if isinstance(record, dict)
                else (f"expected a JSON object, got {type(record).__name__}")
            )
            return "unknown", [rejected_event("unknown", record, reason)], reason
        try:
            events = fmt.decode(record)
        except PayloadError as exc:
            reason = f"{fmt.name}: {exc}"
            return fmt.name, [rejected_event(fmt.connector, record, reason)], reason
        except Exception as exc:
            plugin = self.plugin_of.get(fmt.name, "console")
            self.host.record_failure(plugin, "decode", exc)
            reason = f"{fmt.name} decoder failed: {type(exc).__name__}: {exc}"
            return fmt.name, [rejected_event(fmt.connector, record, reason)], reason
        for event in events:
            if event.validity == "ok":
                enrich(event, self.registry)
        return fmt.name, events, None

    def run(
        self,
        path: Path | str,
        *,
        progress: Callable[[int], None] | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> ReplayReport:
        """Load every line of the file; bad lines are reported, good ones still load."""
        if self.warehouse is None:
            raise InputError("replay needs a warehouse to load the events into")
        report = ReplayReport(str(path))
        validator = self.validator
        unsettled = getattr(validator, "take_unsettled", None)
        verdicts: dict[tuple[str, str], str] = {}
        """Each event stored by this replay -> its verdict (judged again below)."""
        for batch in self.batches(path, report, progress=progress, batch_size=batch_size):
            if validator is not None:
                validator(batch)
            stored = self.warehouse.ingest(batch)
            report.result.add(stored)
            if validator is not None:
                for event in stored.events:
                    verdicts[(event.source, event.message_id)] = event.verdict or "good"
            if unsettled is not None:
                self._rejudge(unsettled(), verdicts)
        report.verdicts.update(verdicts.values())
        return report

    def _rejudge(self, unsettled: Any, verdicts: dict[tuple[str, str], str]) -> None:
        """Judge again, in event time, the people whose events arrived out of order."""
        if not unsettled:
            return
        from console.validation.rejudge import rejudge

        assert self.warehouse is not None
        for revision in rejudge(self.warehouse, self.validator, unsettled):  # type: ignore[arg-type]
            key = (revision.event.source, revision.event.message_id)
            if key in verdicts:
                verdicts[key] = revision.after or "good"

    def batches(
        self,
        path: Path | str,
        report: ReplayReport,
        *,
        progress: Callable[[int], None] | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> Iterator[list[Event]]:
        """Decode the file's lines into batches of events, without storing them.

        Malformed lines and rejected records are counted in ``report`` as ``run`` does.
        """
        batch: list[Event] = []
        for number, raw_line, size in _lines(path):
            if progress:
                progress(size)
            report.lines = number
            if not raw_line.strip():
                continue
            try:
                record = msgspec.json.decode(raw_line)
            except (msgspec.DecodeError, RecursionError):
                report.malformed_count += 1
                if len(report.malformed) < KEEP_PROBLEMS:
                    report.malformed.append(Malformed(number, _json_reason(raw_line)))
                continue
            name, events, reason = self.decode(record)
            report.formats[name] += 1
            if reason and len(report.rejections) < KEEP_PROBLEMS:
                report.rejections.append((number, reason))
            batch.extend(events)
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch


def _json_reason(line: bytes) -> str:
    problem = json_problem(line)
    return problem if problem.startswith("not UTF-8") else f"invalid JSON: {problem}"


def _lines(path: Path | str) -> Iterator[tuple[int, bytes, int]]:
    """(line number, line bytes, bytes consumed) for a file, ``-`` (stdin) or a .gz file."""
    stream: IO[bytes]
    if str(path) == "-":
        stream = sys.stdin.buffer
    else:
        path = Path(path)
        if path.is_dir():
            raise InputError(f"{path} is a directory", hint="replay takes an NDJSON file")
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            raise InputError(f"{path} does not exist") from None
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}") from None
        if path.suffix == ".gz":
            stream = io.BufferedReader(gzip.GzipFile(fileobj=stream))  # type: ignore[arg-type]
    try:
        for number, line in enumerate(stream, start=1):
            yield number, line, len(line)
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


__all__ = ["Malformed", "ReplayReport", "Replayer"]
