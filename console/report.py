"""Validation reports: what ``martech validate`` and ``martech links`` print, in three formats.

A :class:`Report` holds the subjects (events or links) that have findings, counts for the
rest, and renders as

- ``table``: a summary per finding code, then one line per error and warning;
- ``json``: the stable shape documented in ``docs/taxonomy.md`` (``summary`` + ``subjects``);
- ``junit``: one ``<testsuite>`` per finding code, one ``<testcase>`` per finding (errors as
  ``<failure>``, warnings as ``<skipped>`` so CI shows them without failing; ``--strict``
  makes them failures), and a ``passed`` suite with a testcase per clean subject.

The exit code is 1 when any error was found (or any warning, with ``strict``), else 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

import msgspec

from console.display import counted
from console.events import SEVERITIES, Finding, format_time, verdict_of
from console.taxonomy.codes import CODES

FORMATS: tuple[str, ...] = ("table", "json", "junit")
LISTED = ("error", "warning")
"""Severities the table lists one by one (info findings are only counted)."""


@dataclass(slots=True)
class Subject:
    """One checked thing: an event (id = message id) or a link (id = the URL)."""

    kind: str
    id: str
    findings: list[Finding]
    time: datetime | None = None
    label: str = ""
    """What a person recognises it by: ``page /pricing``, ``links.csv:3``..."""
    channel: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    count: int = 1
    """How many checked things this subject stands for: more than 1 for a run of malformed
    lines reported as one entry (counts stay exact; only the listing is shortened)."""

    @property
    def verdict(self) -> str:
        """``good``, ``warn`` or ``bad``."""
        return verdict_of(self.findings)

    def as_dict(self) -> dict[str, Any]:
        """The subject as JSON-ready data."""
        data: dict[str, Any] = {"kind": self.kind, "id": self.id}
        if self.time is not None:
            data["time"] = format_time(self.time)
        data.update(label=self.label, channel=self.channel, verdict=self.verdict)
        data["findings"] = [msgspec.to_builtins(f) for f in self.findings]
        if self.details:
            data["details"] = self.details
        if self.count != 1:
            data["count"] = self.count
        return data


@dataclass(slots=True)
class Report:
    """Every subject with findings, and counts of all of them."""

    command: str
    source: str
    taxonomy: str
    strict: bool = False
    keep_clean: bool = False
    """Keep clean subjects too (links always; events only for JUnit's passing testcases)."""
    subjects: list[Subject] = field(default_factory=list)
    clean: list[Subject] = field(default_factory=list)
    total: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    codes: Counter[tuple[str, str]] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    """Checked subjects by kind: ``event``, ``link``, ``line`` (a malformed line)."""

    def add(self, subject: Subject) -> None:
        """Count a checked subject (``subject.count`` times); keep it when it has findings
        (or when keeping all)."""
        times = subject.count
        self.total += times
        self.kinds[subject.kind] += times
        self.verdicts[subject.verdict] += times
        if subject.channel:
            self.channels[subject.channel] += times
        for finding in subject.findings:
            self.codes[(finding.code, finding.severity)] += times
        if subject.findings:
            self.subjects.append(subject)
        elif self.keep_clean:
            self.clean.append(subject)

    @property
    def severities(self) -> Counter[str]:
        """Findings per severity."""
        counts: Counter[str] = Counter()
        for (_, severity), count in self.codes.items():
            counts[severity] += count
        return counts

    @property
    def exit_code(self) -> int:
        """1 when any error (or, when strict, any warning) was found, else 0."""
        severities = self.severities
        failing = severities["error"] + (severities["warning"] if self.strict else 0)
        return 1 if failing else 0

    def summary(self) -> dict[str, Any]:
        """Counts: subjects by verdict, findings by severity and code, channels."""
        return {
            "subjects": self.total,
            "good": self.verdicts["good"],
            "warn": self.verdicts["warn"],
            "bad": self.verdicts["bad"],
            "findings": {level: self.severities[level] for level in SEVERITIES},
            "codes": [
                {"code": code, "severity": severity, "count": count}
                for (code, severity), count in _by_severity(self.codes)
            ],
            "channels": dict(self.channels.most_common()),
        }

    def render(self, fmt: str) -> str:
        """The report as ``table``, ``json`` or ``junit`` text."""
        if fmt == "json":
            return render_json(self)
        if fmt == "junit":
            return render_junit(self)
        return render_table(self)


def _by_severity(codes: Counter[tuple[str, str]]) -> list[tuple[tuple[str, str], int]]:
    rank = {level: index for index, level in enumerate(SEVERITIES)}
    return sorted(codes.items(), key=lambda item: (rank.get(item[0][1], 9), -item[1], item[0][0]))


# -- table -----------------------------------------------------------------------------------


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 40) -> str:
    """An aligned plain-text table; long cells are shortened with an ellipsis."""
    cells = [[_cell(value, max_width) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in cells:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def _cell(value: Any, max_width: int) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= max_width else text[: max_width - 1] + "…"


def _what_was_checked(report: Report) -> str:
    if report.command == "links":
        return counted(report.total, "link")
    lines = report.kinds["line"]
    events = counted(report.total - lines, "event")
    return f"{events} and {counted(lines, 'malformed line')}" if lines else events


def render_table(report: Report) -> str:
    """A summary, the codes with counts and what to do, then every error and warning."""
    sev = report.severities
    parts = [
        f"martech {report.command}: {report.source} against {report.taxonomy}",
        f"{_what_was_checked(report)}: {report.verdicts['good']:,} good, "
        f"{report.verdicts['warn']:,} warn, {report.verdicts['bad']:,} bad "
        f"({counted(sev['error'], 'error')}, {counted(sev['warning'], 'warning')}, "
        f"{sev['info']:,} info)",
    ]
    if report.codes:
        hints = {f.code: f.hint for s in report.subjects for f in s.findings}
        rows = [
            [code, severity, count, _code_hint(code, hints.get(code))]
            for (code, severity), count in _by_severity(report.codes)
        ]
        parts += ["", format_table(["code", "severity", "count", "what to do"], rows, 78)]
    if report.command == "links":
        rows = [_link_row(s) for s in [*report.subjects, *report.clean]]
        if rows:
            parts += ["", format_table(["link", "verdict", "channel", "landing"], rows, 70)]
    for subject in report.subjects:
        listed = [f for f in subject.findings if f.severity in LISTED]
        if not listed:
            continue
        when = format_time(subject.time) if subject.time else ""
        label = "" if subject.kind == "link" or subject.label == subject.id else subject.label
        parts += ["", "  ".join(part for part in (when, subject.id, label) if part)]
        for finding in listed:
            shown = f" = {finding.value!r}" if finding.value is not None else ""
            parts.append(f"  {finding.severity:<7}  {finding.code}  {finding.field or ''}{shown}")
            parts.append(f"           {finding.message}")
            if finding.hint:
                parts.append(f"           fix: {finding.hint}")
    return "\n".join(parts)


def _code_hint(code: str, seen: str | None) -> str:
    known = CODES.get(code)
    return known.hint if known else seen or ""


def _link_row(subject: Subject) -> list[Any]:
    details = subject.details
    landing = ""
    if "status" in details:
        landing = f"{details.get('status') or '-'} {details.get('final_url') or ''}".strip()
    return [subject.id, subject.verdict, subject.channel or "", landing]


# -- json ------------------------------------------------------------------------------------


def render_json(report: Report) -> str:
    """``{command, source, taxonomy, exit_code, summary, subjects}`` as indented JSON."""
    data = {
        "command": report.command,
        "source": report.source,
        "taxonomy": report.taxonomy,
        "exit_code": report.exit_code,
        "summary": report.summary(),
        "subjects": [s.as_dict() for s in [*report.subjects, *report.clean]],
    }
    return msgspec.json.format(msgspec.json.encode(data), indent=2).decode()


# -- junit -----------------------------------------------------------------------------------


def render_junit(report: Report) -> str:
    """JUnit XML: a testsuite per finding code (errors and warnings), one for passing subjects."""
    suites: dict[str, list[tuple[Subject, Finding]]] = {}
    for subject in report.subjects:
        for finding in subject.findings:
            if finding.severity in LISTED:
                suites.setdefault(finding.code, []).append((subject, finding))
    passing = [s for s in [*report.subjects, *report.clean] if s.verdict == "good"]
    root = ET.Element("testsuites", name=f"martech {report.command}")
    totals = Counter[str]()
    for code in sorted(suites):
        cases = suites[code]
        suite = ET.SubElement(root, "testsuite", name=code)
        counts = Counter[str]()
        tests = 0
        for subject, finding in cases:
            for number in range(1, subject.count + 1):  # a collapsed run: one case each
                name = _case_name(subject, finding)
                if subject.count > 1:
                    name = f"{name} ({number} of {subject.count})"
                case = ET.SubElement(suite, "testcase", classname=code, name=name, time="0")
                fails = finding.severity == "error" or report.strict
                tag = "failure" if fails else "skipped"
                counts["failures" if fails else "skipped"] += 1
                element = ET.SubElement(
                    case, tag, message=f"{finding.severity}: {finding.message}", type=finding.code
                )
                element.text = _case_text(subject, finding)
                tests += 1
        _suite_counts(suite, tests, counts)
        totals.update(counts)
        totals["tests"] += tests
    suite = ET.SubElement(root, "testsuite", name="passed")
    for subject in passing:
        ET.SubElement(suite, "testcase", classname="passed", name=_subject_name(subject), time="0")
    _suite_counts(suite, len(passing), Counter())
    totals["tests"] += len(passing)
    _suite_counts(root, totals["tests"], totals)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _suite_counts(element: ET.Element, tests: int, counts: Counter[str]) -> None:
    element.set("tests", str(tests))
    element.set("failures", str(counts["failures"]))
    element.set("errors", "0")
    element.set("skipped", str(counts["skipped"]))
    element.set("time", "0")


def _subject_name(subject: Subject) -> str:
    return f"{subject.label} {subject.id}".strip() if subject.kind == "event" else subject.id


def _case_name(subject: Subject, finding: Finding) -> str:
    where = f" {finding.field}" if finding.field else ""
    return f"{_subject_name(subject)}{where}"


def _case_text(subject: Subject, finding: Finding) -> str:
    lines = [finding.message]
    for key, value in (
        ("field", finding.field),
        ("value", finding.value),
        ("what to do", finding.hint),
        ("time", format_time(subject.time) if subject.time else None),
        (subject.kind, subject.id),
        ("where", subject.label if subject.kind == "link" else None),
    ):
        if value:
            lines.append(f"{key}: {value}")
    return "\n".join(lines)
