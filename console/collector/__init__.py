"""The local collector: vendors' wire formats in, durable normalized events out."""

from console.collector.app import CollectorApp
from console.collector.pipeline import Busy, IngestPipeline
from console.collector.server import DEFAULT_PORT, Collector, is_loopback

__all__ = ["DEFAULT_PORT", "Busy", "Collector", "CollectorApp", "IngestPipeline", "is_loopback"]
