"""What the database keeps of a secret (a session key, a link token, an email address used as
a throttle key): its SHA-256, so a leaked table opens nothing."""

from __future__ import annotations

import hashlib


def stored_form(secret: str) -> str:
    """The hex SHA-256 of ``secret``, the only form in which it is stored or looked up."""
    return hashlib.sha256(secret.encode()).hexdigest()
