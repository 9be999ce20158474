"""Password hashing in one place, so the cost can be tuned without touching callers."""
from __future__ import annotations

import functools
import secrets

from werkzeug.security import check_password_hash, generate_password_hash


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


@functools.cache
def _dummy_hash() -> str:
    """A real hash of a random password with the same parameters, computed once per process."""
    return hash_password(secrets.token_urlsafe(24))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; without a hash (unknown or inactive person) spend the same scrypt time and refuse."""
    if not password_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)
