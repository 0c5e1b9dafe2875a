"""The local collector: vendors' wire formats in, durable normalized events out."""

from typing import Any, Protocol

from console.bus import EventBus
from console.collector.addresses import is_loopback
from console.collector.app import CollectorApp
from console.collector.pipeline import Busy, IngestPipeline
from console.collector.process import CollectorProcess
from console.collector.server import DEFAULT_PORT, Collector
from console.collector.stats import CollectorStats


class RunningCollector(Protocol):
    """What the console needs of a running collector, in-process or in a child process."""

    bus: EventBus

    @property
    def url(self) -> str:
        """Where senders post."""
        ...

    @property
    def stats(self) -> CollectorStats:
        """Live counters."""
        ...

    @property
    def writer_health(self) -> dict[str, Any] | None:
        """Its warehouse writer's ``BatchWriter.health`` (None until known)."""
        ...

    @property
    def plugin_failures(self) -> list[dict[str, Any]]:
        """Its plugins' failures, each once: plugin, phase, latest error, count."""
        ...

    def stop(self) -> None:
        """Stop, committing what is queued."""
        ...


__all__ = [
    "DEFAULT_PORT",
    "Busy",
    "Collector",
    "CollectorApp",
    "CollectorProcess",
    "IngestPipeline",
    "RunningCollector",
    "is_loopback",
]
