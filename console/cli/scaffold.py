"""``martech plugin new``: write a plugin package that works and passes its tests as written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template

from console.cli import scaffold_templates as t
from console.contract.connector import NAME_PATTERN
from console.errors import InputError

PLUGIN_API = ">=1.0,<2"
"""The plugin API range a new plugin declares (``MARTECH_PLUGIN_API`` in its module)."""

SOURCE_IMPORTS = "CollectorRequest CollectorRoute Event PayloadError parse_time rejected_event"
DESTINATION_IMPORTS = (
    "Destination DestinationObject Fault FaultQueue PlannedRequest RateWindow RowChange "
    "RowOutcome SandboxRegistration SandboxRequest SandboxResponse SyncTarget VendorAnswer"
)


@dataclass(frozen=True)
class Scaffold:
    """What to write: the connector name and which sides it has."""

    name: str
    source: bool = True
    destination: bool = False

    @property
    def package(self) -> str:
        """The Python package: ``martech_<name>``."""
        return f"martech_{self.name}"

    def check(self) -> None:
        """Raise InputError when the name cannot be a connector's."""
        if not NAME_PATTERN.match(self.name):
            raise InputError(
                f"{self.name!r} cannot name a connector",
                hint="use 2-40 lowercase letters, digits or _, starting with a letter (acme_cdp)",
            )
        if self.source and self.name == "api":
            raise InputError(
                "a source named 'api' would serve /api/v1/events, and /api/... is the "
                "collector's query API",
                hint="choose another NAME, such as acme_api",
            )

    def files(self) -> dict[str, str]:
        """Every file, by path relative to the package folder."""
        values = self._values()
        return {
            "pyproject.toml": Template(t.PYPROJECT).substitute(values),
            "README.md": Template(t.README).substitute(values),
            f"{self.package}/__init__.py": Template(self._module()).substitute(values),
            f"tests/test_{self.package}.py": Template(self._tests()).substitute(values),
        }

    def write(self, folder: Path) -> list[Path]:
        """Write the package into ``folder`` (which must not exist yet); the paths written."""
        if folder.exists():
            raise InputError(f"{folder} already exists", hint="choose another NAME or --into")
        written = []
        for relative, text in self.files().items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)
        return written

    def _values(self) -> dict[str, str]:
        display = self.name.replace("_", " ").title()
        sides = [s for s, on in (("source", self.source), ("destination", self.destination)) if on]
        usage = (t.USAGE_SOURCE if self.source else "") + (
            t.USAGE_DESTINATION if self.destination else ""
        )
        return {
            "name": self.name,
            "package": self.package,
            "dist": self.package.replace("_", "-"),
            "cls": display.replace(" ", ""),
            "display": display,
            "what": f"a {' and '.join(sides)} connector",
            "api": PLUGIN_API,
            "usage": Template(usage).substitute(name=self.name),
            "imports": "",
            "credentials": "",
            "suite_args": "",
        }

    def _module(self) -> str:
        names = ["Connector", "hookimpl"]
        std = ["import json", "from collections.abc import Callable"]
        if self.source:
            names += SOURCE_IMPORTS.split()
        if self.destination:
            names += [*DESTINATION_IMPORTS.split(), "CredentialField"]
            std = ["import json", "import threading", "import time",
                   "from collections.abc import Callable, Mapping, Sequence"]  # fmt: skip
        imports = "\n".join([*std, "from typing import Any", "", _from("console", names)])
        credentials = (
            '\n    credentials = (CredentialField("api_key", "API key"),)'
            if self.destination
            else ""
        )
        head = Template(t.MODULE_HEAD).safe_substitute(imports=imports, credentials=credentials)
        parts = [head, t.SOURCE if self.source else "", t.DESTINATION if self.destination else ""]
        hooks = [t.HOOKS_HEAD, t.HOOKS_SOURCE if self.source else ""]
        hooks.append(t.HOOKS_DESTINATION if self.destination else "")
        return "".join(parts + hooks)

    def _tests(self) -> str:
        kit = ["conformance"]
        names: list[str] = []
        module = ["NAME"]
        if self.source:
            kit = ["Arrivals", "LiveCollector", *kit, "json_body"]
        if self.destination:
            kit = [*kit, "SandboxControl", "send_planned"]
            names = ["RowChange", "SyncTarget"]
            module.append("DESTINATION")
        lines = ["import pytest"]
        if names:
            lines.append(_from("console", names))
        lines.append(_from("console.testing", kit))
        lines += [
            "",
            f"import {self.package}",
            f"from {self.package} import {', '.join(_ordered(module))}",
        ]
        args = []
        if self.source:
            sample = f'conformance.Sample("/{self.name}/v1/events", json_body(BODY)),'
            args.append(f"samples=[\n        {sample}\n    ]")
        if self.destination:
            args += ["changes=people", 'credentials={"api_key": "test-key"}']
        suite_args = (
            "".join(f"\n    {arg}," for arg in ["PLUGIN", *args]) + "\n" if args else "PLUGIN"
        )
        body = [t.TESTS_HEAD, t.TESTS_SOURCE if self.source else ""]
        body += [t.TESTS_DESTINATION if self.destination else "", t.TESTS_SUITE]
        text = "".join(body)
        return Template(text).safe_substitute(imports="\n".join(lines), suite_args=suite_args)


def _ordered(names: list[str]) -> list[str]:
    """Names as isort orders them: constants, classes, then functions."""
    return sorted(set(names), key=lambda n: (not n.isupper(), not n[0].isupper(), n))


def _from(module: str, names: list[str]) -> str:
    """A ``from module import (...)`` statement as ruff formats it."""
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in _ordered(names)) + ")"
