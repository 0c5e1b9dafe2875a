"""A sparkline as a short run of block characters, for table cells."""

from __future__ import annotations

from collections.abc import Sequence

BLOCKS = " ▁▂▃▄▅▆▇█"


def sparkline_text(values: Sequence[int]) -> str:
    """One block character per value, scaled to the largest."""
    if not values:
        return ""
    top = max(values) or 1
    return "".join(BLOCKS[min(8, round(8 * v / top))] if v else " " for v in values)
