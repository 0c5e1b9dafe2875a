"""The click-ID/UTM taxonomy: data (a TOML file), not code, and the validator that applies it.

``load_taxonomy(path)`` reads a taxonomy file (the shipped ``default.toml`` when None);
``Validator(taxonomy, host, warehouse)`` checks batches of events against it. The finding
codes are listed in :mod:`console.taxonomy.codes` and explained in ``docs/taxonomy.md``.
"""

from console.taxonomy.channels import ChannelGrouping, ChannelRule
from console.taxonomy.clickids import ClickIdRegistry, ClickIdRule, load_click_id_registry
from console.taxonomy.codes import CODES
from console.taxonomy.loader import TaxonomyError, load_taxonomy
from console.taxonomy.model import CampaignSpec, Taxonomy


def __getattr__(name: str) -> object:
    # The validator needs console.campaign, which itself imports the click-ID registry from
    # this package: load it on first use to keep the import graph acyclic.
    if name in ("ValidationRule", "Validator"):
        from console.taxonomy import validator

        return getattr(validator, name)
    raise AttributeError(f"module 'console.taxonomy' has no attribute {name!r}")


__all__ = [
    "CODES",
    "CampaignSpec",
    "ChannelGrouping",
    "ChannelRule",
    "ClickIdRegistry",
    "ClickIdRule",
    "Taxonomy",
    "TaxonomyError",
    "ValidationRule",
    "Validator",
    "load_click_id_registry",
    "load_taxonomy",
]
