"""One-time links to set a password: admins create and invite colleagues, and reset passwords, with them.

An admin never learns or chooses anyone's password. Creating a person
(``create_person``) makes the account with a random password nobody knows
and hands the admin an invitation link; ``reset`` hands over a new link
for an existing person. The admin passes the link on; it is shown once.

A link:

1. is a random 256-bit token; only its SHA-256 digest is stored;
2. works for ``LINK_LIFETIME`` (7 days), and once;
3. voids the person's older unused links when it is made;
4. changes nothing until it is used: a reset does not lock the person out
   (their password and sessions keep working until then);
5. once used, sets the new password and signs the person out everywhere
   else (every token and browser session revoked), in one transaction.

Making a link and using it are written to the admin action log
(``account.create``, ``account.invite``, ``account.password_reset``,
``account.password_set``), in the transaction that does it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from activitypub.errors import Gone, InvalidInput, NotFound
from activitypub.uris import Uris
from server.passwords import Passwords, check_password_strength, generate_password
from server.services.access_tokens import digest_token, new_token
from server.services.accounts import AccountService
from server.services.admin_log import audit
from server.services.field_errors import FieldCheck
from server.services.validation import check_display_name, check_email, check_username
from storage.clock import utcnow
from storage.models import Account, AccountKind, Role, User
from storage.password_links import LinkPurpose, NewPasswordLink, PasswordLink
from storage.protocols import Storage

LINK_LIFETIME: Final = timedelta(days=7)
UNKNOWN_LINK: Final = "This link is not valid. Check that you copied all of it, or ask an admin for a new one."
USED_LINK: Final = "This link was already used. Ask an admin for a new one if you need to set your password again."
EXPIRED_LINK: Final = "This link has expired. Ask an admin for a new one."
DISABLED: Final = "This login is disabled; ask an admin."


@dataclass(frozen=True, slots=True)
class NewPerson:
    username: str
    display_name: str
    email: str
    role: str


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """The link as the admin sees it, once; only its digest is kept."""

    account: Account
    purpose: LinkPurpose
    url: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LinkHolder:
    """Whose link it is, for the page that sets the password."""

    account: Account
    link: PasswordLink


class PasswordLinks:
    def __init__(self, storage: Storage, accounts: AccountService, passwords: Passwords, base_url: str,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._storage = storage
        self._accounts = accounts
        self._passwords = passwords
        self._uris = Uris.of(base_url)
        self._clock = clock

    async def create_person(self, actor: str, person: NewPerson) -> IssuedLink:
        """A new employee, and an invitation link for them; every field's refusal is reported at once."""
        username, email, name, role = await self._checked(person)
        employee = await self._accounts.create_employee(username, email, generate_password() * 2, role=role,
                                                        display_name=name)
        async with self._storage.transaction():
            await audit(self._storage, actor, "account.create", "account", employee.account.id,
                        username=employee.account.username, email=employee.user.email, role=role.value)
            return await self._issue(actor, employee.account, LinkPurpose.INVITE, "account.invite")

    async def invite(self, actor: str, account_id: int) -> IssuedLink:
        """A new invitation link for an employee (the first one expired or got lost)."""
        account = await self._enabled_employee(account_id)
        async with self._storage.transaction():
            return await self._issue(actor, account, LinkPurpose.INVITE, "account.invite")

    async def reset(self, actor: str, account_id: int) -> IssuedLink:
        """A link to set a new password; the old one keeps working until the link is used."""
        account = await self._enabled_employee(account_id)
        async with self._storage.transaction():
            return await self._issue(actor, account, LinkPurpose.RESET, "account.password_reset")

    async def holder(self, raw: str) -> LinkHolder:
        """The person a usable link is for; 404, 410 (used or expired) or 403 (disabled) with a plain reason."""
        link = await self._storage.password_links.get(digest_token(raw)) if 0 < len(raw) <= 100 else None
        if link is None:
            raise NotFound(UNKNOWN_LINK)
        if link.used_at is not None:
            raise Gone(USED_LINK)
        if link.expires_at <= self._clock():
            raise Gone(EXPIRED_LINK)
        account, user = await self._employee(link.account_id)
        if user.disabled:
            raise Gone(DISABLED)
        return LinkHolder(account, link)

    async def set_password(self, raw: str, password: str, confirmation: str) -> Account:
        """Use the link: the new password, everyone else signed out, the link spent; all or nothing."""
        holder = await self.holder(raw)
        check = FieldCheck()
        check.check("password", lambda: check_password_strength(password))
        if password != confirmation:
            check.refuse("password_confirmation", "The two passwords differ.")
        check.raise_any()
        password_hash = await self._passwords.hash(password)
        async with self._storage.transaction():
            if await self._storage.password_links.use(holder.link.digest, self._clock()) is None:
                raise Gone(USED_LINK)  # used by a racing request a moment ago
            await self._storage.accounts.set_password_hash(holder.account.id, password_hash)
            revoked = await self._storage.tokens.revoke_all_for_account(holder.account.id)
            await audit(self._storage, f"user:{holder.account.id}", "account.password_set", "account",
                        holder.account.id, purpose=holder.link.purpose.value, revoked=str(revoked))
        return holder.account

    async def _issue(self, actor: str, account: Account, purpose: LinkPurpose, action: str) -> IssuedLink:
        raw = new_token()
        expires_at = self._clock() + LINK_LIFETIME
        await self._storage.password_links.add(NewPasswordLink(account.id, digest_token(raw), purpose, actor,
                                                               expires_at))
        await audit(self._storage, actor, action, "account", account.id, expires_at=expires_at.isoformat())
        return IssuedLink(account, purpose, self._uris.password_link(raw), expires_at)

    async def _checked(self, person: NewPerson) -> tuple[str, str, str, Role]:
        check = FieldCheck()
        username = person.username.strip().lstrip("@")
        if not username:
            check.refuse("username", "A username is required.")
        elif check.check("username", lambda: check_username(username)) is not None \
                and await self._storage.accounts.get_local(username) is not None:
            check.refuse("username", f"The username {username!r} is taken (usernames are never reused).")
        name = check.check("display_name", lambda: check_display_name(person.display_name)) or ""
        if not name:
            check.refuse("display_name", "A display name is required.")
        email = (person.email or "").strip()
        if not email:
            check.refuse("email", "An email address is required.")
        elif check.check("email", lambda: check_email(email)) is not None \
                and await self._storage.accounts.get_user_by_email(email) is not None:
            check.refuse("email", f"The email address {email!r} is already in use.")
        role = check.check("role", lambda: _role(person.role))
        check.raise_any()
        if role is None:  # raise_any raised for it already
            raise InvalidInput("role must be staff, publisher or admin")
        return username, email, name, role

    async def _enabled_employee(self, account_id: int) -> Account:
        account, user = await self._employee(account_id)
        if user.disabled:
            raise InvalidInput("This login is disabled: enable it before handing out a password link.")
        return account

    async def _employee(self, account_id: int) -> tuple[Account, User]:
        account = await self._storage.accounts.get(account_id)
        user = await self._storage.accounts.get_user(account_id) if account is not None else None
        if account is None or user is None or not account.is_local or account.kind is not AccountKind.EMPLOYEE:
            raise NotFound("Only employees (people who sign in) have passwords")
        return account, user


def _role(raw: str) -> Role:
    try:
        return Role(raw or "staff")
    except ValueError:
        raise InvalidInput("The role must be staff, publisher or admin.") from None


__all__ = ["LINK_LIFETIME", "IssuedLink", "LinkHolder", "NewPerson", "PasswordLinks"]
