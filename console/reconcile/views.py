"""Every vendor's view of one person, for the console's touch screen: each destination that
reads back, read with the connector's credentials (or the demo sandbox's stand-ins)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from console.errors import ConsoleError
from console.reconcile.compare import Verdict
from console.reconcile.run import reconcile
from console.sync.session import SyncSession


@dataclass(frozen=True, slots=True)
class VendorView:
    """One vendor's view of the person: its verdict, or why it was not read."""

    connector: str
    vendor: str
    verdict: Verdict | None = None
    problem: str | None = None


def readers(session: SyncSession) -> list[str]:
    """The connectors whose destination reads people back."""
    return sorted(n for n, d in session.host.destinations().items() if d.item.read_back)


def reader_names(session: SyncSession) -> list[str]:
    """The vendors that read people back, as their connectors name themselves."""
    connectors = session.host.connectors()
    return [connectors[n].item.display_name if n in connectors else n for n in readers(session)]


def vendor_views(
    session: SyncSession,
    person: str,
    credentials: Callable[[str], Mapping[str, str]] | None = None,
) -> list[VendorView]:
    """Read ``person`` back from every vendor that can be read (``credentials(connector)``
    overrides the stored ones: the demo's stand-ins). A vendor that cannot be read says why."""
    views = []
    for connector in readers(session):
        found = session.host.connectors().get(connector)
        vendor = found.item.display_name if found else connector
        creds = credentials(connector) if credentials else (
            session.credentials.values(found.item) if found else {}
        )  # fmt: skip
        try:
            result = reconcile(session, connector, creds, user=person)
        except ConsoleError as exc:
            views.append(VendorView(connector, vendor, problem=f"{exc.message} ({exc.hint})"
                                    if exc.hint else exc.message))  # fmt: skip
            continue
        if result.read.stopped:
            views.append(VendorView(connector, vendor, problem=result.read.stopped))
            continue
        verdict = result.verdicts[0] if result.verdicts else None
        views.append(VendorView(connector, vendor, verdict=verdict))
    return views
