"""Who opened a stream: a staff user's token, found where Mastodon's streaming server looks.

The order is Mastodon's: ``Authorization: Bearer``, then the ``access_token``
query parameter, then (WebSocket only) ``Sec-WebSocket-Protocol``, which
browsers use because they cannot set headers on a WebSocket. App-only
tokens name no user and are refused like a bad token: no stream is public.

The staff web app's own pages stream over SSE with their browser session
instead (``session_viewer``): same-origin only, read-only, and ended as soon
as the session is.

A stream outlives the request that opened it, so ``still_allowed`` is asked
again while it runs; a revoked token or a disabled user ends the stream, and
so does a change of role that changes what an acting-as token may read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from starlette.datastructures import Headers, QueryParams

from activitypub.errors import Forbidden, InsideoutError, Unauthorized
from server.mastodon.auth import DISABLED_MESSAGE
from server.mastodon.scopes import ScopeSet
from server.services.access_tokens import AccessTokens, AppToken, Refusal, Refused, digest_token
from server.services.identities import reader_for
from server.signin.web_sessions import WebSessions
from storage.models import AccessToken, Account, Reader

MISSING_TOKEN: Final = "Missing access token"
INVALID_TOKEN: Final = "Invalid access token"
MISSING_SCOPES: Final = "Access token does not have the required scopes"
_MAX_TOKEN_LENGTH: Final = 512
WEB_SESSION_SCOPES: Final = ScopeSet(frozenset({"read:statuses", "read:notifications"}))


@dataclass(frozen=True, slots=True)
class StreamViewer:
    account: Account
    token: AccessToken | None
    """None for a web app page streaming with its browser session."""
    token_digest: str
    scopes: ScopeSet
    reader: Reader
    """Whose eyes the stream reads with; an acting-as token may see less of the identity's mail."""
    session_cookie: str | None = None
    """The browser session the stream was opened with, asked again while it runs (kept in memory only)."""

    def require(self, *scopes: str) -> None:
        """Mastodon's streaming server answers a missing scope with 401, not the API's 403."""
        if not self.scopes.allows_any(*scopes):
            raise Unauthorized(MISSING_SCOPES, detail=f"needs one of: {' '.join(scopes)}")


@dataclass(frozen=True, slots=True)
class RawToken:
    value: str
    from_protocol: bool
    """Sent as ``Sec-WebSocket-Protocol``: the handshake must echo it back."""


def token_from(headers: Headers, query: QueryParams, *, websocket: bool) -> RawToken | None:
    scheme, _, value = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return RawToken(value.strip(), False)
    if query.get("access_token"):
        return RawToken(query["access_token"], False)
    protocol = headers.get("sec-websocket-protocol", "").strip()
    if websocket and protocol:
        # Browsers offer one protocol here: the token. Mastodon takes the header whole.
        return RawToken(protocol.split(",")[0].strip(), True)
    return None


async def stream_viewer(tokens: AccessTokens, raw: RawToken | None) -> StreamViewer:
    """The staff user behind ``raw``; Unauthorized (401) or Forbidden (disabled user, 403) otherwise."""
    if raw is None:
        raise Unauthorized(MISSING_TOKEN)
    if len(raw.value) > _MAX_TOKEN_LENGTH:
        raise Unauthorized(INVALID_TOKEN, detail="oversized token")
    digest = digest_token(raw.value)
    # An acting-as token streams the organisational account's timelines, while its human may.
    held = await tokens.holder(digest, revoke_lost_identity=False)
    if isinstance(held, Refused):
        raise _refusal(held)
    if isinstance(held, AppToken):
        raise Unauthorized(INVALID_TOKEN, detail="unknown, revoked or app-only token")
    return StreamViewer(held.identity, held.token, digest, ScopeSet(frozenset(held.token.scopes)),
                        reader_for(held.identity, held.human, held.user))


def _refusal(refused: Refused) -> InsideoutError:
    if refused.reason in (Refusal.UNKNOWN, Refusal.REVOKED) or refused.token is None:
        return Unauthorized(INVALID_TOKEN, detail="unknown, revoked or app-only token")
    if refused.reason is Refusal.NO_SIGN_IN:
        return Unauthorized(INVALID_TOKEN, detail="token of an account without sign-in")
    if refused.reason is Refusal.DISABLED:
        return Forbidden(DISABLED_MESSAGE, detail=f"account {refused.token.account_id}")
    return Unauthorized(INVALID_TOKEN, detail="no longer allowed to act as that account")


async def session_viewer(sessions: WebSessions, raw: str | None, fetch_site: str | None) -> StreamViewer:
    """The signed-in employee of a web app page; only for a request from our own pages (``Sec-Fetch-Site``)."""
    if raw is None or fetch_site not in (None, "same-origin"):
        raise Unauthorized(MISSING_TOKEN)
    signed_in = await sessions.current(raw)
    if signed_in is None:
        raise Unauthorized(INVALID_TOKEN, detail="no live browser session")
    account = signed_in.account
    return StreamViewer(account, None, digest_token(raw), WEB_SESSION_SCOPES,
                        reader_for(account, account, signed_in.user), session_cookie=raw)


async def still_allowed(tokens: AccessTokens, sessions: WebSessions, viewer: StreamViewer) -> bool:
    """The token still lives, its human may still act as its identity, and still reads with the same eyes.

    For a browser session: the session still lives and its employee is still enabled.
    """
    if viewer.session_cookie is not None:
        return await sessions.current(viewer.session_cookie) is not None
    reader = await tokens.live_reader(viewer.token_digest)
    return reader is not None and reader == viewer.reader
