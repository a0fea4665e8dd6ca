"""Password hashing with Argon2id (argon2-cffi), the OWASP first choice."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from activitypub.errors import InvalidInput

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


class Passwords:
    """Hashing runs in a thread: Argon2 is deliberately slow and would stall the event loop."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    async def hash(self, password: str) -> str:
        check_password_strength(password)
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        if len(password) > MAX_PASSWORD_LENGTH:
            return False
        try:
            return await asyncio.to_thread(self._hasher.verify, password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Password is too short (minimum is {MIN_PASSWORD_LENGTH} characters)")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"Password is too long (maximum is {MAX_PASSWORD_LENGTH} characters)")


def generate_password() -> str:
    return secrets.token_urlsafe(18)
