"""Typed errors with a title and a message a person can act on.

Connectors raise only the connector errors below; the host wraps anything else at the
plugin boundary. The CLI prints ``title: message`` to stderr and exits non-zero; the TUI
shows the same text in a notification.
"""

from __future__ import annotations


class ConsoleError(Exception):
    """Base of every error the console shows to a person."""

    title = "Error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.title}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class InputError(ConsoleError):
    """Something the user handed us (a file, a line, an option) cannot be used."""

    title = "Bad input"


class WarehouseError(ConsoleError):
    """The warehouse file cannot be opened, read or written."""

    title = "Warehouse"


class PluginError(ConsoleError):
    """A plugin failed to load or misbehaved in a hook."""

    title = "Plugin"


class ConnectorError(ConsoleError):
    """Base of the errors a connector may raise."""

    title = "Connector"


class AuthError(ConnectorError):
    """Credentials are missing or were refused by the vendor."""

    title = "Authentication"


class RateLimitError(ConnectorError):
    """The vendor asked us to slow down."""

    title = "Rate limited"

    def __init__(
        self, message: str, *, retry_after: float | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class RemoteError(ConnectorError):
    """The vendor answered with an error we cannot fix locally."""

    title = "Remote error"

    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class PayloadError(ConnectorError):
    """A payload does not follow the vendor's format; names the offending field."""

    title = "Invalid payload"

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{where}{self.message}"
