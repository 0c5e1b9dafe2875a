"""Handing a background worker's result to the screen, unless a newer request superseded it.

The screens run their reads in exclusive thread workers: asking again (another person,
another conversion event, another error code) cancels the running worker, but a thread
cannot be stopped mid-read, so its result would still arrive and could land after the
newer one's. :func:`answer` drops it instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.worker import get_current_worker


def answer(app: App[Any], callback: Callable[..., object], *args: Any) -> None:
    """Call ``callback(*args)`` on the UI thread, unless the calling worker was cancelled."""
    if not get_current_worker().is_cancelled:
        app.call_from_thread(callback, *args)
