"""The Textual console. The only package that imports Textual."""

from console.tui.app import ConsoleApp

__all__ = ["ConsoleApp"]
