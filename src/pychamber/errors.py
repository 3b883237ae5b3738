"""User-facing errors. The one handler in ``cli.app`` prints ``Error: <message>`` and exits 1."""

from __future__ import annotations


class ChamberError(Exception):
    """An error shown to the user as one ``Error: ...`` line (exit 1).

    The message must never contain a secret value.
    """

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message

    def wrap(self, prefix: str) -> "ChamberError":
        """The same error with ``prefix`` in front (chamber's ``Failed to ...: <err>``)."""
        err = type(self).__new__(type(self))
        ChamberError.__init__(err, prefix + self.message, self.exit_code)
        return err


class SecretNotFound(ChamberError):
    def __init__(self, message: str = "secret not found"):
        super().__init__(message)


class NotImplementedByStore(ChamberError):
    """A backend does not support an operation (chamber's "Not implemented for X Store")."""


class UsageError(ChamberError):
    """A command-line usage error (argument counts, unknown flags). Printed with usage when the
    message contains ``arg(s)`` or ``usage``, like cobra."""
