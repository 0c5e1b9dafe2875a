"""Third-party validation rules: registered through the hook, isolated when they break."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from console.cli import create_cli
from console.cli.context import AppContext
from console.host import PluginHost
from console.settings import Settings
from console.taxonomy import load_taxonomy
from console.validation.validator import Validator
from tests.taxonomy_helpers import SITE, event, team_file

PLUGIN = """
    from console import Finding, ValidationRule, hookimpl

    def consent(event, taxonomy):
        if "consent" in event.context:
            return []
        return [Finding(code="acme.consent_missing", severity="warning",
                        message="no consent state on this page view", field="context.consent")]

    def broken(event, taxonomy):
        raise RuntimeError("the rule has a bug")

    def sloppy(event, taxonomy):
        return ["not a finding"]

    @hookimpl
    def register_validation_rules(register):
        register(ValidationRule("consent", consent, event_types=frozenset({"page"})))
        register(ValidationRule("broken", broken))
        register(ValidationRule("sloppy", sloppy))
        register("not a rule")
"""


@pytest.fixture
def acme_host(tmp_path: Path) -> Iterator[PluginHost]:
    """A host that discovered an installed third-party plugin with good and broken rules."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "acme_rules.py").write_text(textwrap.dedent(PLUGIN))
    info = site / "acme_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[martech_console]\nacme_rules = acme_rules\n")
    sys.path.insert(0, str(site))
    try:
        yield PluginHost(allow=["acme_rules", "segment"]).discover()
    finally:
        sys.path.remove(str(site))
        sys.modules.pop("acme_rules", None)


def test_a_plugin_rule_adds_findings_stamped_with_its_name(acme_host: PluginHost) -> None:
    page = event(page_url=f"{SITE}/?utm_source=Google&utm_medium=cpc&utm_campaign=x&gclid=C")
    Validator(load_taxonomy(), acme_host)([page, event("track", event="Signed Up")])
    found = {f.code: f for f in page.findings or []}
    assert found["acme.consent_missing"].rule == "acme_rules:consent"
    assert found["acme.consent_missing"].severity == "warning"
    assert "utm.uppercase" in found  # the built-in rules still ran


def test_a_raising_rule_is_one_failure_per_batch_and_never_stops_validation(
    acme_host: PluginHost,
) -> None:
    validator = Validator(load_taxonomy(), acme_host)
    batch = [event(minutes=i, anonymous_id=f"a{i}") for i in range(5)]
    validator(batch)
    assert all(e.findings is not None for e in batch)
    failures = [(f.phase, f.error) for f in acme_host.failures_of("acme_rules")]
    assert failures.count(("validate", "RuntimeError: the rule has a bug")) == 1
    assert sum("expected Findings" in error for phase, error in failures) == 1
    assert any(phase == "register_validation_rules" for phase, _ in failures)
    validator([event(minutes=9)])
    counts = {
        f.error: f.count for f in acme_host.failures_of("acme_rules") if f.phase == "validate"
    }
    assert counts["RuntimeError: the rule has a bug"] == 2  # one line, counted per batch
    assert sum(counts.values()) == 4


def test_the_taxonomy_file_sets_a_plugin_code_s_severity(
    acme_host: PluginHost, tmp_path: Path
) -> None:
    tax = load_taxonomy(team_file(tmp_path, '[severity]\n"acme.consent_missing" = "off"\n'))
    page = event()
    Validator(tax, acme_host)([page])
    assert page.findings == []


def test_validate_names_the_failing_plugin_rule_on_stderr(
    acme_host: PluginHost, tmp_path: Path
) -> None:
    events = tmp_path / "one.ndjson"
    events.write_text(
        '{"type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m1"}\n'
    )
    app = AppContext(Settings(db_path=tmp_path / "wh.db"), acme_host)
    result = CliRunner().invoke(create_cli(), ["validate", str(events)], obj=app)
    assert result.exit_code == 0, result.output
    assert (
        "plugin acme_rules: validation rule failed (validate): RuntimeError: the rule has a bug"
        in result.stderr
    )
