"""Disjoint sets of ids: how identity links stitch ids into people."""

from __future__ import annotations


class UnionFind:
    """Disjoint sets of ids (path halving, union by size)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.size: dict[str, int] = {}

    def find(self, item: str) -> str:
        """The representative of ``item``'s set (``item`` itself when unknown)."""
        parent = self.parent
        if item not in parent:
            return item
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        """Merge the sets of ``a`` and ``b``."""
        for item in (a, b):
            if item not in self.parent:
                self.parent[item] = item
                self.size[item] = 1
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]

    def groups(self) -> dict[str, list[str]]:
        """Representative -> members, for every id ever added."""
        out: dict[str, list[str]] = {}
        for item in self.parent:
            out.setdefault(self.find(item), []).append(item)
        return out
