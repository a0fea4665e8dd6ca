"""Single sign-ons in flight: what a browser's round trip to the identity provider must bring back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class PendingSsoSignIn:
    """One sign-in between leaving for the provider and coming back; good for one callback."""

    state_digest: str
    # A digest of the random cookie the starting browser got: a callback in another browser fails.
    browser_digest: str
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)
    # A path on this server (never an absolute URL) to go on to once signed in.
    return_to: str
    created_at: datetime


class SsoSignInStore(Protocol):
    async def add(self, pending: PendingSsoSignIn) -> None: ...

    async def take(self, state_digest: str) -> PendingSsoSignIn | None:
        """Remove and return the sign-in with this state, so a replayed state finds nothing."""
        ...

    async def purge(self, created_before: datetime) -> int:
        """Forget sign-ins abandoned at the provider; returns how many."""
        ...
