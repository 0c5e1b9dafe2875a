"""``python -m console`` runs the ``martech`` command."""

from console.cli import main

main()
