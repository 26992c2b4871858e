"""The one exception family raised by domain rules."""

from __future__ import annotations


class DomainError(Exception):
    """An action the rules do not allow; ``code`` is stable, ``message`` is for people."""

    code: str = "not_allowed"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
