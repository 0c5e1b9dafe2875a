"""What the host hands back for each thing a plugin registered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Registration(Generic[T]):
    """Something a plugin registered (``item``), stamped with who registered it."""

    plugin: str
    distribution: str | None
    version: str | None
    item: T = field(compare=False)
