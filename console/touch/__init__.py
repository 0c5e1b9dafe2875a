"""First/last-touch debugging: identity stitching, the state machine, attribution models.

Public API (headless; the TUI's touch screen and attribution panel build on it)::

    engine = TouchEngine(load_taxonomy(None), last_touch="new_channel")
    report = engine.debug_person(warehouse, "usr_42")   # or engine.debug(events)
    report_dict(report)                                 # the documented JSON shape

    attribute(warehouse, "Order Completed", "position_based", window=timedelta(days=30))
    scan_people(warehouse, engine, findings_only=True)

The model, every configuration knob and every finding code: ``docs/touch.md``.
"""

from console.touch.attribution import AttributionResult, attribute, conversion_candidates
from console.touch.classify import Classifier, Visit
from console.touch.codes import TOUCH_CODES
from console.touch.credit import MODELS
from console.touch.engine import DEFAULT_CONVERSIONS, LAST_TOUCH_MODES, TouchConfig, TouchEngine
from console.touch.identity import IdentityLink, links_from_events
from console.touch.model import (
    SCHEMA,
    Conversion,
    Credit,
    Identity,
    ReportedState,
    TimelineEntry,
    Touch,
    TouchFinding,
    TouchReport,
    TouchValues,
)
from console.touch.reported import (
    ReadBackRegistry,
    ReadBackRequest,
    attributes_state,
    vendor_state,
)
from console.touch.scan import PersonSummary, ScanResult, scan_people

__all__ = [
    "DEFAULT_CONVERSIONS",
    "LAST_TOUCH_MODES",
    "MODELS",
    "SCHEMA",
    "TOUCH_CODES",
    "AttributionResult",
    "Classifier",
    "Conversion",
    "Credit",
    "Identity",
    "IdentityLink",
    "PersonSummary",
    "ReadBackRegistry",
    "ReadBackRequest",
    "ReportedState",
    "ScanResult",
    "TimelineEntry",
    "Touch",
    "TouchConfig",
    "TouchEngine",
    "TouchFinding",
    "TouchReport",
    "TouchValues",
    "Visit",
    "attribute",
    "attributes_state",
    "conversion_candidates",
    "links_from_events",
    "scan_people",
    "vendor_state",
]
