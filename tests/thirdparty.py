"""Build a real third-party distribution (dist-info + modules) on disk, for discovery tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

MODULES = {
    "acme_cdp_plugin": '''
        from console import Connector, CredentialField, Event, EventFormat, hookimpl, utc_now

        class AcmeCdp(Connector):
            name = "acme_cdp"
            display_name = "Acme CDP"
            docs_url = "https://example.com/acme"
            credentials = (CredentialField("token", "API token"),)

        def decode(record):
            return [Event(source="acme_cdp", message_id=record["acme_id"], type="track",
                          event=record["name"], user_id=record["who"], timestamp=utc_now())]

        @hookimpl
        def register_connectors(register):
            register(AcmeCdp)

        @hookimpl
        def register_event_formats(register):
            register(EventFormat(name="acme", connector="acme_cdp", description="Acme export",
                                 sniff=lambda r: "acme_id" in r, decode=decode))

        @hookimpl
        def register_commands(cli):
            @cli.command("acme-hello")
            def hello():
                """Say hello from Acme."""
                print("hello from acme")
    ''',
    "broken_on_import": """
        raise ImportError("acme-sdk is not installed")
    """,
    "broken_in_hook": """
        from console import hookimpl

        @hookimpl
        def register_connectors(register):
            raise RuntimeError("vendor metadata could not be read")
    """,
    "misbehaving": '''
        from console import Connector, hookimpl

        class Nameless(Connector):
            name = "Bad Name!"
            display_name = "Bad"

        class Fine(Connector):
            name = "fine_one"
            display_name = "Fine"

        @hookimpl
        def register_connectors(register):
            register(Nameless)
            register("not a connector")
            register(Fine)

        @hookimpl
        def register_commands(cli):
            @cli.command("plugins")
            def plugins():
                """Tries to replace a built-in command."""
    ''',
}

ENTRY_POINTS = {
    "acme": "acme_cdp_plugin",
    "broken_import": "broken_on_import",
    "broken_hook": "broken_in_hook",
    "misbehaving": "misbehaving",
}


def install_thirdparty(root: Path) -> Path:
    """Write the modules and their dist-info; return the folder to put on sys.path."""
    root.mkdir(parents=True, exist_ok=True)
    for module, source in MODULES.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / "thirdparty_plugins-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: thirdparty-plugins\nVersion: 1.0\n"
    )
    lines = "\n".join(f"{name} = {target}" for name, target in ENTRY_POINTS.items())
    (info / "entry_points.txt").write_text(f"[martech_console]\n{lines}\n")
    return root
