"""The plugin guide's complete example works as written: installed, discovered, serving."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from console.collector import Collector
from console.events import Event
from console.host import PluginHost
from console.taxonomy import load_taxonomy
from console.validation.validator import Validator
from console.warehouse import EventQuery, Warehouse

GUIDE = Path(__file__).resolve().parent.parent / "plugins" / "README.md"


def guide_example() -> str:
    text = GUIDE.read_text()
    section = text[text.index("## A complete plugin") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


@pytest.fixture
def acme_installed(tmp_path: Path) -> Iterator[None]:
    package = tmp_path / "acme_cdp"
    package.mkdir()
    (package / "__init__.py").write_text(guide_example())
    info = tmp_path / "acme_cdp-1.2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-cdp\nVersion: 1.2.0\n")
    (info / "entry_points.txt").write_text("[martech_console]\nacme_cdp = acme_cdp\n")
    sys.path.insert(0, str(tmp_path))
    try:
        yield
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("acme_cdp", None)


def test_the_guides_plugin_serves_its_route_and_its_rule_fires(
    acme_installed: None, warehouse: Warehouse
) -> None:
    host = PluginHost().discover()
    assert host.connectors()["acme_cdp"].version == "1.2.0"
    assert host.capabilities("acme_cdp") == ["source"]
    taxonomy = load_taxonomy()
    collector = Collector(
        warehouse,
        host,
        taxonomy.click_ids,
        port=0,
        validator=Validator(taxonomy, host, warehouse),
    )
    with collector:
        body = {
            "events": [
                {
                    "id": "a1",
                    "name": "Signed Up",
                    "user": "u1",
                    "at": "2026-06-01T10:00:00Z",
                    "url": "https://acme.io/?utm_source=google&utm_medium=cpc&gclid=G1",
                },
                {"id": "a2", "name": "Broken"},
            ]
        }
        response = httpx.post(f"{collector.url}/acme/v1/events", json=body)
        assert response.status_code == 200
        bad = httpx.post(f"{collector.url}/acme/v1/events", content=b"{nope")
        assert bad.status_code == 400 and "invalid JSON" in bad.json()["message"]
    stored = warehouse.get("a1")
    assert stored is not None and stored.click_ids[0].network == "google"
    [rejected] = warehouse.query(EventQuery(validity="rejected"))
    assert rejected.errors[0].startswith("events[1]:")
    page = Event(source="acme_cdp", message_id="p1", type="page", timestamp=stored.timestamp)
    codes = [f.code for f in Validator(taxonomy, host).validate(page)]
    assert "acme.consent_missing" in codes
    assert not host.failures


def guide_block(heading: str) -> str:
    text = GUIDE.read_text()
    section = text[text.index(heading) :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def test_the_guides_kit_test_passes_on_the_guides_plugin(pytester: pytest.Pytester) -> None:
    """What the guide shows a plugin author works as written: the plugin and its test."""
    (pytester.path / "acme_cdp").mkdir()
    (pytester.path / "acme_cdp" / "__init__.py").write_text(guide_example())
    pytester.makepyfile(test_acme=guide_block("## Testing your plugin with console.testing"))
    result = pytester.runpytest(
        "-p", "no:randomly", "-p", "no:textual-snapshot", "-p", "no:asyncio"
    )
    result.assert_outcomes(passed=1)


def test_the_guides_plugin_passes_the_guides_conformance_suite(pytester: pytest.Pytester) -> None:
    """The suite the guide says every plugin must pass, on the guide's own plugin."""
    (pytester.path / "acme_cdp").mkdir()
    (pytester.path / "acme_cdp" / "__init__.py").write_text(guide_example())
    sample = (
        "import json\n\nimport acme_cdp\n\n"
        "body_as_the_sdk_sends_it = json.dumps({'events': [\n"
        "    {'id': 'a1', 'name': 'Signed Up', 'user': 'u1', 'at': '2026-06-01T10:00:00Z'},\n"
        "    {'id': 'a2'},\n"
        "]}).encode()\n"
    )
    pytester.makepyfile(test_conformance=sample + guide_block("## The conformance suite"))
    result = pytester.runpytest(
        "-p", "no:randomly", "-p", "no:textual-snapshot", "-p", "no:asyncio", "-rf"
    )
    result.assert_outcomes(passed=8)


def test_the_guides_contract_names_every_name_the_plugin_api_covers() -> None:
    """An author reads the contract section to know what they may import: every name
    ``console`` exports (what PLUGIN_API versions) is there, none is left to guesswork."""
    import console

    text = GUIDE.read_text()
    contract = text[text.index("## The contract") : text.index("## A complete plugin")]
    named = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", contract))
    assert sorted(set(console.__all__) - named) == []
