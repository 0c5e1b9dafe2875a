"""The house rules of docs/architecture.md, checked mechanically."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import grimp

import console
from console import hookspecs

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"


def test_the_core_imports_without_textual() -> None:
    code = (
        "import sys, console, console.cli, console.host, console.warehouse, console.replay;"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_plugin_importing_the_public_api_loads_no_engine() -> None:
    """``import console`` is what every plugin does: it must not pay for the warehouse,
    the collector or the console (sqlite-utils, zstandard, uvicorn, Textual)."""
    heavy = ("console.warehouse", "console.collector", "console.touch", "console.tui",
             "console.validation.validator", "sqlite_utils", "zstandard", "uvicorn",
             "textual")  # fmt: skip
    code = f"import sys, console; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_contract_modules_import_nothing_of_the_core() -> None:
    allowed = {"console", "console.events", "console.errors", "console.json_input"}
    contract = sorted((ROOT / "console" / "contract").glob("*.py"))
    for path in [*contract, ROOT / "console" / "hookspecs.py"]:
        tree = ast.parse(path.read_text(), filename=str(path))
        runtime = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module]
        for node in runtime:
            module = node.module or ""
            if module.startswith("console") and not module.startswith("console.contract"):
                assert module in allowed, f"{path.name}:{node.lineno} imports {module}"


def test_no_module_of_the_product_imports_itself_in_a_circle() -> None:
    """Cycles hide where a thing really lives; the layers (import-linter) keep them out
    between rooms, this keeps them out inside a room too."""
    graph = grimp.build_graph("console", exclude_type_checking_imports=True, cache_dir=None)
    circles = sorted(
        {
            tuple(sorted((module, imported)))
            for module in graph.modules
            for imported in graph.find_modules_directly_imported_by(module)
            if imported.startswith("console.")
            and graph.chain_exists(importer=imported, imported=module)
        }
    )
    assert circles == []


def _console_imports(path: Path) -> list[tuple[int, str]]:
    """(line, what) for every import of ``console`` in a file that is not the public API."""
    bad = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] == "console"
        ):
            if node.module != "console":
                bad.append((node.lineno, f"from {node.module} import ..."))
            else:
                bad += [(node.lineno, a.name) for a in node.names if a.name not in console.__all__]
        elif isinstance(node, ast.Import):
            bad += [(node.lineno, a.name) for a in node.names if a.name.startswith("console.")]
    return bad


def test_builtin_plugins_use_only_the_public_api() -> None:
    files = sorted(PLUGINS.glob("martech_*/**/*.py"))
    assert len({f.parts[len(PLUGINS.parts)] for f in files}) >= 6
    offences = {str(f.relative_to(ROOT)): _console_imports(f) for f in files}
    assert {f: bad for f, bad in offences.items() if bad} == {}


def test_the_example_third_party_plugin_uses_only_the_public_api() -> None:
    files = sorted((ROOT / "examples").glob("martech_*/martech_*/**/*.py"))
    assert files
    offences = {str(f.relative_to(ROOT)): _console_imports(f) for f in files}
    assert {f: bad for f, bad in offences.items() if bad} == {}


def test_the_public_api_check_catches_an_internal_import(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "from console.warehouse import Warehouse\nfrom console import Event, _private\n"
    )
    assert _console_imports(sneaky) == [(1, "from console.warehouse import ..."), (2, "_private")]


def test_every_hook_is_documented_and_called() -> None:
    specs = {name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(fn, "martech_console_spec")}  # fmt: skip
    assert specs == set(hookspecs.HOOK_NAMES)
    for name in specs:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert "Return value" in doc, f"{name} must say what its return value means"


def test_modules_stay_small() -> None:
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines())
        for folder in ("console", "plugins")
        for p in (ROOT / folder).rglob("*.py")
    }
    assert {p: n for p, n in sizes.items() if n > 500} == {}
