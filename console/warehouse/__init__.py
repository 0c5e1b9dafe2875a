"""The local SQLite warehouse: durable, deduplicated storage of normalized events."""

from console.warehouse.store import EventQuery, IngestResult, PreparedBatch, Warehouse, prepare

__all__ = ["EventQuery", "IngestResult", "PreparedBatch", "Warehouse", "prepare"]
