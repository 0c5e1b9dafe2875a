"""The console's background reads: how they start, hand back their answer, and fail.

Every screen reads the warehouse in a thread worker started by :func:`reader`, and is a
:class:`ReadingScreen`. Such a worker never takes the app down when it raises: the app's
error boundary (``ConsoleApp.show_failure``) shows what went wrong, in the console's words
(:func:`failure_text`), tells the screen (``worker_failed``), and keeps running.

Asking again (another person, another conversion event, another error code) cancels the
running exclusive worker, but a thread cannot be stopped mid-read, so its result would
still arrive and could land after the newer one's. :func:`answer` drops it instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

from textual import work
from textual.app import App
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from console.errors import ConsoleError

F = TypeVar("F", bound=Callable[..., Any])


def reader(*, exclusive: bool = False, group: str = "default") -> Callable[[F], F]:
    """``@work`` for a screen's reads: a thread, and a failure reported, never an exit."""
    return work(thread=True, exclusive=exclusive, group=group, exit_on_error=False)  # type: ignore[return-value]


def answer(app: App[Any], callback: Callable[..., object], *args: Any) -> None:
    """Call ``callback(*args)`` on the UI thread, unless the calling worker was cancelled."""
    if not get_current_worker().is_cancelled:
        app.call_from_thread(callback, *args)


def failure_text(error: BaseException | None) -> tuple[str, str]:
    """A title and a message a person can act on, for what a worker raised."""
    if isinstance(error, ConsoleError):
        message = f"{error.message} ({error.hint})" if error.hint else error.message
        return error.title, message
    detail = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
    return "Something went wrong", f"{detail}. The console keeps running; try again."


@runtime_checkable
class FailureAware(Protocol):
    """A screen that puts itself right when one of its workers failed (a "loading…" line
    would otherwise stay forever)."""

    def worker_failed(self, worker: Worker[Any], title: str, message: str) -> None: ...


class ReadingScreen(Screen[None]):
    """A screen with background reads: their failures go to the app's error boundary
    (Textual tells only the node that started a worker, and does not bubble it)."""

    def on_worker_state_changed(self, message: Worker.StateChanged) -> None:
        if message.state == WorkerState.ERROR:
            self.app.show_failure(message.worker)  # type: ignore[attr-defined]
