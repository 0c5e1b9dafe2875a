"""The local SQLite warehouse: durable, deduplicated storage of normalized events."""

from console.warehouse.store import EventQuery, IngestResult, Warehouse

__all__ = ["EventQuery", "IngestResult", "Warehouse"]
