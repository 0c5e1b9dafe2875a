"""Benchmarks for martech-console (run from the project root: ``python -m bench.<name>``)."""
