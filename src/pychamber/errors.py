"""The one exception type, its kinds, and the exit statuses.

A :class:`ChamberError`'s text is the CLI's one line (``Error: <text>``); it never contains a
secret value. The one handler (``cli.errors``) turns it into that line and its exit status.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """pychamber's exit statuses (the program's own status is passed through by ``exec``)."""

    SUCCESS = 0
    ERROR = 1  # every error, as chamber: cobra exits 1
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as a shell reports it


class ChamberError(Exception):
    """An error shown to the user as one ``Error: ...`` line (exit 1).

    The message must never contain a secret value.
    """

    def __init__(self, message: str, exit_code: int = ExitStatus.ERROR):
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
    """The secret (or the version asked for) does not exist: chamber's ``secret not found``."""

    def __init__(self, message: str = "secret not found"):
        super().__init__(message)


class NotImplementedByStore(ChamberError):
    """A backend does not support an operation (chamber's "Not implemented for X Store")."""


class UsageError(ChamberError):
    """A command-line usage error (argument counts, unknown flags). Printed with usage when the
    message contains ``arg(s)`` or ``usage``, like cobra."""


class ChamberWarning(UserWarning):
    """chamber's warnings (a service overwriting another's variable, the reserved ``_chamber``
    service), issued by the library through :mod:`warnings`; the CLI prints them on stderr."""
