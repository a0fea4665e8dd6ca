"""Browser sessions of the sign-in pages and the admin pages, kept as digests like every token.

The cookie carries the raw session token; only its digest is stored, so
signing out names the session by the digest of what the browser sent.
A session counts for ``SESSION_MAX_AGE`` from its start, and only while
its user is enabled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from server.services.access_tokens import digest_token, new_token
from server.services.mail.presence import Presence
from server.signin.throttle import utc_now
from storage.models import Account, User, WebSession
from storage.protocols import Storage

SESSION_MAX_AGE: Final = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class SignedIn:
    account: Account
    user: User
    session: WebSession


class WebSessions:
    def __init__(
        self, storage: Storage, clock: Callable[[], datetime] = utc_now, *, presence: Presence | None = None
    ) -> None:
        self._storage = storage
        self._clock = clock
        # A page of the web app, or its live stream re-checking the session, marks the person seen.
        self._presence = presence

    async def current(self, raw: str) -> SignedIn | None:
        """The signed-in employee, if ``raw`` names a live session of an enabled user."""
        session = await self._storage.tokens.get_session(digest_token(raw))
        if session is None or session.revoked_at is not None or session.created_at + SESSION_MAX_AGE < self._clock():
            return None
        account = await self._storage.accounts.get(session.account_id)
        user = await self._storage.accounts.get_user(session.account_id)
        if account is None or user is None or user.disabled:
            return None
        if self._presence is not None:
            await self._presence.seen(account.id)
        return SignedIn(account, user, session)

    async def start(self, account_id: int) -> str:
        """A new session of the account; the raw token, for the cookie (only its digest is kept)."""
        raw = new_token()
        await self._storage.tokens.create_session(digest_token(raw), account_id)
        return raw

    async def end(self, raw: str) -> bool:
        """Revoke the session the browser holds ``raw`` for; False if no live session has it."""
        return await self._storage.tokens.revoke_session(digest_token(raw))

    async def of_account(self, account_id: int) -> Sequence[WebSession]:
        """The account's live sessions, newest first (the settings page lists them)."""
        now = self._clock()
        return [s for s in await self._storage.tokens.live_sessions_of(account_id)
                if s.created_at + SESSION_MAX_AGE >= now]

    async def end_of(self, account_id: int, session_id: int) -> bool:
        """Sign out the account's session ``session_id``; False for another's, a missing or an ended one."""
        return await self._storage.tokens.revoke_session_of(account_id, session_id)
