"""The click-ID/UTM taxonomy: data (a TOML file), not code."""

from console.taxonomy.clickids import ClickIdRegistry, ClickIdRule, load_click_id_registry

__all__ = ["ClickIdRegistry", "ClickIdRule", "load_click_id_registry"]
