"""``martech sandbox``: the vendors' fakes on loopback, for rehearsing syncs."""

from __future__ import annotations

import click

from console.cli.context import AppContext, BadUsage, pass_app
from console.sandbox import Sandbox


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8788, show_default=True)
@click.option(
    "--rate-limit", type=click.IntRange(min=1), help="Requests per 10 s each fake allows."
)
@pass_app
def sandbox(app: AppContext, port: int, rate_limit: int | None) -> None:
    """Serve fakes of the destinations' APIs (HubSpot, ...) until Ctrl+C.

    Point a destination at it with MARTECH_<CONNECTOR>_BASE_URL=<url>/<connector>; inject
    faults with POST /_sandbox/faults {"connector": "hubspot", "kind": "rate_limit",
    "count": 3}; read what each fake holds with GET /_sandbox.
    """
    fakes = Sandbox(app.host, port=port, rate_limit=rate_limit)
    names = sorted(fakes.app.fakes)
    if not names:
        raise BadUsage("no plugin registers a sandbox fake (martech plugins)")
    for name in names:
        click.echo(f"{name}: {fakes.base_url(name)}  (MARTECH_{name.upper()}_BASE_URL)")
    click.echo(f"control: {fakes.url}/_sandbox  (Ctrl+C stops)", err=True)
    fakes.serve_forever()
