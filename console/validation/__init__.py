"""Validation: every event checked against the taxonomy as it arrives, plugins' rules
included, and each person's first/last state judged against their history in event time.

The taxonomy itself (:mod:`console.taxonomy`) is data and pure rules; this package runs it
over batches and reads a person's history from the warehouse.
"""

from console.validation.validator import Validator

__all__ = ["Validator"]
