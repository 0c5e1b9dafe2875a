"""The click-ID registry: which query parameter belongs to which ad network."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from console.errors import InputError

DEFAULT_TAXONOMY = Path(__file__).with_name("default.toml")


@dataclass(frozen=True, slots=True)
class ClickIdRule:
    """One click-ID parameter: its network, the utm_source values it goes with, its medium."""

    param: str
    network: str
    sources: tuple[str, ...] = ()
    medium_class: str = "paid"


@dataclass(slots=True)
class ClickIdRegistry:
    """Click-ID rules looked up by parameter name (case-insensitively)."""

    rules: list[ClickIdRule]
    _by_param: dict[str, ClickIdRule] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_param = {rule.param.lower(): rule for rule in self.rules}

    def lookup(self, param: str) -> ClickIdRule | None:
        """The rule for a query parameter name, or None when it is not a click ID."""
        return self._by_param.get(param.lower())

    @property
    def params(self) -> list[str]:
        """Every known click-ID parameter, as the taxonomy spells it."""
        return [rule.param for rule in self.rules]


def load_click_id_registry(path: Path | None = None) -> ClickIdRegistry:
    """Read the ``[[click_ids]]`` tables of a taxonomy file (the default one if no path)."""
    path = path or DEFAULT_TAXONOMY
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"taxonomy file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: {exc}", hint="fix the TOML syntax") from None
    rules = []
    for index, entry in enumerate(data.get("click_ids", [])):
        where = f"{path}: click_ids[{index}]"
        if not isinstance(entry, dict) or not entry.get("param") or not entry.get("network"):
            raise InputError(f"{where} needs both 'param' and 'network'")
        rules.append(
            ClickIdRule(
                param=str(entry["param"]),
                network=str(entry["network"]),
                sources=tuple(str(s).lower() for s in entry.get("sources", ())),
                medium_class=str(entry.get("medium_class", "paid")),
            )
        )
    return ClickIdRegistry(rules)
