"""The click-ID/UTM taxonomy: data (a TOML file), not code, and the validator that applies it.

``load_taxonomy(path)`` reads a taxonomy file (the shipped ``default.toml`` when None);
:class:`console.validation.validator.Validator` checks batches of events against it (kept out
of this package's namespace: it reads a person's history from the warehouse, which a plugin
importing :class:`Taxonomy` must not load). The finding
codes are listed in :mod:`console.taxonomy.codes` and explained in ``docs/taxonomy.md``.
"""

from console.taxonomy.channels import ChannelGrouping, ChannelRule
from console.taxonomy.clickids import ClickIdRegistry, ClickIdRule
from console.taxonomy.codes import CODES
from console.taxonomy.loader import TaxonomyError, load_click_id_registry, load_taxonomy
from console.taxonomy.model import CampaignSpec, Taxonomy

__all__ = [
    "CODES",
    "CampaignSpec",
    "ChannelGrouping",
    "ChannelRule",
    "ClickIdRegistry",
    "ClickIdRule",
    "Taxonomy",
    "TaxonomyError",
    "load_click_id_registry",
    "load_taxonomy",
]
