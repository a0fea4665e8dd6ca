"""One-click unsubscribe links (RFC 8058): a capability for one person and one kind of mail.

The token is ``<account id>.<kind>.<HMAC-SHA256>`` under an instance secret
kept in ``instance_meta`` (made on first use, like the CSRF secret, but its
own key). It needs no sign-in: whoever holds the link may switch that one
kind off for that one person, which is all a mail's reader needs. A token
that does not verify is a 404, the same as one for an unknown account.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Final

from activitypub.errors import NotFound
from server.services.instance_secrets import instance_secret, url_safe_mac
from server.services.mail.kinds import KINDS, effective
from storage.clock import utcnow
from storage.mail import MailKind
from storage.models import AccountKind
from storage.protocols import Storage

SECRET_META: Final = "mail_unsubscribe_secret"
MAX_TOKEN_LENGTH: Final = 200


@dataclass(frozen=True, slots=True)
class Unsubscription:
    account_id: int
    username: str
    kind: MailKind
    label: str
    enabled: bool


class MailLinks:
    """Signs and checks unsubscribe tokens, and switches kinds on and off for a person."""

    def __init__(self, storage: Storage, base_url: str) -> None:
        self._storage = storage
        self._base = base_url.rstrip("/")
        self._secret: bytes | None = None

    async def _key(self) -> bytes:
        if self._secret is None:
            self._secret = await instance_secret(self._storage, SECRET_META)
        return self._secret

    async def token(self, account_id: int, kind: MailKind) -> str:
        return f"{account_id}.{kind.value}.{_mac(await self._key(), account_id, kind)}"

    async def unsubscribe_url(self, account_id: int, kind: MailKind) -> str:
        return f"{self._base}/mail/unsubscribe/{await self.token(account_id, kind)}"

    async def holder(self, token: str) -> Unsubscription:
        """Who and what the token names; NotFound for anything that does not verify."""
        account_id, kind = await self._verify(token)
        account = await self._storage.accounts.get(account_id)
        if account is None or account.kind is not AccountKind.EMPLOYEE or not account.is_local:
            raise NotFound()
        enabled = effective(await self._storage.mail.preferences(account_id))[kind]
        return Unsubscription(account_id, account.username, kind, KINDS[kind].label, enabled)

    async def unsubscribe(self, token: str) -> Unsubscription:
        found = await self.holder(token)
        await self._storage.mail.set_preference(found.account_id, found.kind, False, utcnow())
        return Unsubscription(found.account_id, found.username, found.kind, found.label, False)

    async def _verify(self, token: str) -> tuple[int, MailKind]:
        parts = token.split(".") if len(token) <= MAX_TOKEN_LENGTH else []
        if len(parts) != 3 or not parts[0].isascii() or not parts[0].isdigit() or len(parts[0]) > 19:
            raise NotFound(detail="malformed unsubscribe token")
        try:
            kind = MailKind(parts[1])
        except ValueError:
            raise NotFound(detail="unknown mail kind") from None
        account_id = int(parts[0])
        if not hmac.compare_digest(parts[2], _mac(await self._key(), account_id, kind)):
            raise NotFound(detail="unsubscribe token does not verify")
        return account_id, kind

    async def settings(self, account_id: int) -> dict[MailKind, bool]:
        return effective(await self._storage.mail.preferences(account_id))

    async def change(self, account_id: int, wanted: dict[MailKind, bool]) -> dict[MailKind, bool]:
        """Store the person's choice for each kind given; returns every kind's setting."""
        now = utcnow()
        for kind, enabled in wanted.items():
            await self._storage.mail.set_preference(account_id, kind, enabled, now)
        return await self.settings(account_id)


def _mac(secret: bytes, account_id: int, kind: MailKind) -> str:
    return url_safe_mac(secret, f"unsubscribe:{account_id}:{kind.value}")

