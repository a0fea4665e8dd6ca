"""Single sign-on's account side: which account a proven identity is, and what its groups make it.

A sign-in the identity provider has proven (server/signin/identity_provider.py) becomes an
account here; the first match wins:

1. the account already linked to the provider's ``sub``;
2. the account SCIM provisioned for this person: the live SCIM user whose
   ``userName`` is the ``username_claim`` value (ignoring case), linked now
   unless it is linked to another ``sub``;
3. an account with the same email, only when the provider says the email is
   verified and the account is linked to no other ``sub`` (an unverified email
   never links: whoever controls the provider's profile could take the account);
4. a new account, when ``[sso] create_accounts`` allows. Its username comes
   from ``username_claim``; a username is never given to a second person, so a
   taken one gets a number.

Groups, when ``groups_claim`` is set, apply at each sign-in. The provider
raises a role to what its groups grant (``admin_groups`` first, then
``publisher_groups``) and takes back only what it granted once the person
leaves the group: a role set by the CLI or an admin stays until changed there.
A group named like a department's username makes the person a member of it.
Every change is in the admin audit log, by the actor ``sso``.

The browser's round trip is ``begin`` (the flow's secrets stored under a
digest of ``state``, bound to the browser by a token for a cookie) and
``finish`` (the row taken once, the binding and the age checked, the
provider's answer proven, the account found). ``return_to`` is only ever a
path on this server, so the callback cannot redirect anywhere else.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from activitypub.errors import Conflict, Forbidden, NotFound, SignInRefused
from server.config import SsoSettings
from server.services.accounts import AccountService, Employee, create_under_free_username
from server.services.admin_log import audit
from server.services.keys import new_key_pair
from server.services.validation import username_from_claim
from server.signin.identity_provider import IdentityClaims, IdentityProvider, PendingSignIn, new_pending
from storage.clock import utcnow
from storage.models import Account, AccountKind, MemberRole, NewAccount, NewUser, Role
from storage.protocols import Storage
from storage.scim import ScimQuery, UserField
from storage.sso import PendingSsoSignIn

log = logging.getLogger(__name__)

AUDIT_ACTOR = "sso"
# No password: verification of this placeholder always fails (it is no hash).
NO_PASSWORD = "!sso"
RANKS = {Role.STAFF: 0, Role.PUBLISHER: 1, Role.ADMIN: 2}
# From leaving for the provider to coming back: a person may need to type a password and a second factor.
SIGN_IN_LIFETIME = timedelta(minutes=10)
MAX_RETURN_TO = 2000
MAX_STATE = 512


@dataclass(frozen=True, slots=True)
class StartedSignIn:
    authorization_url: str
    # For the cookie that binds the sign-in to this browser; only its digest is stored.
    browser_token: str


@dataclass(frozen=True, slots=True)
class FinishedSignIn:
    employee: Employee
    return_to: str


def safe_return_to(value: str | None) -> str:
    """A path on this server to go on to, or ``/``: never another origin (``//host``, ``/\\host``, a scheme)."""
    if not value or len(value) > MAX_RETURN_TO or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(character in value for character in "\\\r\n\t\x00"):
        return "/"
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else "/"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def placeholder_email(subject: str) -> str:
    """A unique address that can never be delivered (RFC 2606's ``.invalid``), for a provider that sends none."""
    return f"sso-{hashlib.sha256(subject.encode()).hexdigest()[:24]}@sso.invalid"


class SingleSignOn:
    def __init__(
        self, storage: Storage, settings: SsoSettings, accounts: AccountService, provider: IdentityProvider | None
    ) -> None:
        self._storage = storage
        self._settings = settings
        self._accounts = accounts
        self._provider = provider

    @property
    def enabled(self) -> bool:
        return self._provider is not None

    @property
    def display_name(self) -> str:
        return self._settings.display_name

    @property
    def password_login(self) -> bool:
        """Whether passwords sign in (always, unless single sign-on is on and says otherwise)."""
        return self._provider is None or self._settings.password_login

    async def begin(self, return_to: str | None) -> StartedSignIn:
        provider = self._require_provider()
        pending, browser_token, now = new_pending(), secrets.token_urlsafe(32), utcnow()
        # Abandoned round trips are forgotten here rather than by a worker: each start pays for the old ones.
        await self._storage.sso_sign_ins.purge(now - SIGN_IN_LIFETIME)
        url = await provider.authorization_url(pending)
        await self._storage.sso_sign_ins.add(PendingSsoSignIn(
            state_digest=_digest(pending.state), browser_digest=_digest(browser_token), nonce=pending.nonce,
            code_verifier=pending.code_verifier, return_to=safe_return_to(return_to), created_at=now,
        ))
        return StartedSignIn(url, browser_token)

    async def finish(
        self, state: str | None, code: str | None, browser_token: str | None, provider_error: str | None = None
    ) -> FinishedSignIn:
        """The callback: ``SignInRefused`` (or ``Forbidden`` for a disabled person) unless all of it holds."""
        provider = self._require_provider()
        if not state or len(state) > MAX_STATE:
            raise SignInRefused("This sign-in link is incomplete; start again", detail="callback without state")
        row = await self._storage.sso_sign_ins.take(_digest(state))
        if row is None or row.created_at + SIGN_IN_LIFETIME < utcnow():
            raise SignInRefused("This sign-in has expired or was already used; start again",
                                detail="unknown, replayed or stale state")
        if not browser_token or not hmac.compare_digest(_digest(browser_token), row.browser_digest):
            # Someone else's callback link (login CSRF): it signs nobody in here.
            raise SignInRefused("This sign-in was started in another browser; start again",
                                detail="the browser binding cookie is missing or differs")
        if provider_error is not None:
            raise SignInRefused(f"The sign-in with {self._settings.display_name} was cancelled or refused",
                                detail=f"provider error {provider_error[:100]!r}")
        if not code or len(code) > 2048:
            raise SignInRefused("This sign-in link is incomplete; start again", detail="callback without code")
        claims = await provider.finish(code, PendingSignIn(state, row.nonce, row.code_verifier))
        return FinishedSignIn(await self.account_for(claims), row.return_to)

    def _require_provider(self) -> IdentityProvider:
        if self._provider is None:
            raise NotFound("Single sign-on is not set up on this server")
        return self._provider

    async def account_for(self, claims: IdentityClaims) -> Employee:
        """The employee this sign-in is, linked or created as needed, with the groups' roles applied."""
        employee = await self._match(claims)
        if employee.user.disabled:
            raise Forbidden("Your login is currently disabled")
        await self._apply_groups(employee, claims.groups)
        return await self._accounts.employee(employee.account.username)

    async def _match(self, claims: IdentityClaims) -> Employee:
        linked = await self._storage.accounts.get_user_by_sso_subject(claims.subject)
        if linked is not None:
            account = await self._storage.accounts.get(linked.account_id)
            if account is not None:
                return Employee(account, linked)
        if claims.username:
            provisioned = await self._storage.scim.find_users(
                ScimQuery(((UserField.USER_NAME, claims.username),), limit=1))
            if provisioned.rows:
                return await self._link_provisioned(claims, provisioned.rows[0].account_id)
        if claims.email:
            by_email = await self._storage.accounts.get_user_by_email(claims.email)
            if by_email is not None:
                return await self._link_by_email(claims, by_email.account_id)
        if not self._settings.create_accounts:
            raise SignInRefused("No account here matches your sign-in; ask an administrator to create one",
                                detail=f"sub {claims.subject} is unknown and create_accounts is off")
        return await self._create(claims)

    async def _link_provisioned(self, claims: IdentityClaims, account_id: int) -> Employee:
        """The account SCIM made for this person: its userName is what ``username_claim`` carries."""
        return await self._link(claims, account_id, "Your account is linked to another sign-in; ask an administrator",
                                scim_user_name=claims.username or "")

    async def _link_by_email(self, claims: IdentityClaims, account_id: int) -> Employee:
        if not claims.email_verified:
            raise SignInRefused("An account with your email exists; ask an administrator to link it",
                                detail=f"sub {claims.subject}: email {claims.email} is not verified by the provider")
        return await self._link(claims, account_id, "Your email belongs to an account linked to another sign-in",
                                email=claims.email or "")

    async def _link(self, claims: IdentityClaims, account_id: int, taken: str, **why: str) -> Employee:
        """Link the account to this ``sub`` (audited with ``why``); refused with ``taken`` if it has another."""
        account = await self._storage.accounts.get(account_id)
        user = await self._storage.accounts.get_user(account_id)
        if account is None or user is None:
            raise SignInRefused(detail=f"account {account_id} vanished while signing in")
        if user.sso_subject is not None:
            raise SignInRefused(taken, detail=f"sub {claims.subject}: account {account_id} is linked to another sub")
        async with self._storage.transaction():
            await self._storage.accounts.link_sso_subject(account_id, claims.subject)
            await audit(self._storage, AUDIT_ACTOR, "account.sso_link", "account", account_id,
                        subject=claims.subject, **why)
        return await self._accounts.employee(account.username)

    async def _create(self, claims: IdentityClaims) -> Employee:
        email = claims.email or placeholder_email(claims.subject)
        if claims.email and not claims.email_verified:
            # An unverified address may be someone else's: keep it off the account, so it can't claim one later.
            email = placeholder_email(claims.subject)
        keys = await new_key_pair()

        async def create(username: str) -> Account:
            async with self._storage.transaction():
                account = await self._storage.accounts.create_local(
                    NewAccount(AccountKind.EMPLOYEE, username, (claims.name or "")[:100], keys.public_pem,
                               keys.private_pem),
                    NewUser(email, NO_PASSWORD, sso_subject=claims.subject),
                )
                await audit(self._storage, AUDIT_ACTOR, "account.sso_create", "account", account.id,
                            username=username, subject=claims.subject)
            return account

        base = username_from_claim(claims.username or claims.email)
        try:
            account = await create_under_free_username(self._storage, base, create)
        except Conflict as exc:
            raise SignInRefused(detail=exc.public_message) from exc
        return await self._accounts.employee(account.username)

    async def _apply_groups(self, employee: Employee, groups: tuple[str, ...]) -> None:
        if not self._settings.groups_claim:
            return
        await self._apply_role(employee, set(groups))
        await self._join_departments(employee, groups)

    async def _apply_role(self, employee: Employee, groups: set[str]) -> None:
        settings, user = self._settings, employee.user
        if not (settings.admin_groups or settings.publisher_groups):
            return
        granted = (Role.ADMIN if groups & set(settings.admin_groups)
                   else Role.PUBLISHER if groups & set(settings.publisher_groups) else None)
        if granted is not None and RANKS[granted] > RANKS[user.role]:
            target, from_idp = granted, True
        elif user.role_from_idp and granted != user.role:
            target, from_idp = granted or Role.STAFF, granted is not None
        else:
            return
        if user.role is Role.ADMIN and await self._storage.accounts.count_admins() <= 1:
            log.warning("sso: %s left the admin groups but is the last admin; the role stays",
                        employee.account.username)
            return
        async with self._storage.transaction():
            await self._storage.accounts.set_role(employee.account.id, target, from_idp=from_idp)
            await audit(self._storage, AUDIT_ACTOR, "account.role", "account", employee.account.id,
                        before=user.role.value, after=target.value)

    async def _join_departments(self, employee: Employee, groups: tuple[str, ...]) -> None:
        joined = {membership.department_id
                  for membership in await self._storage.departments.memberships_of(employee.account.id)}
        for group in dict.fromkeys(group.strip() for group in groups):
            department = await self._storage.accounts.get_local(group) if group else None
            if department is None or department.kind is not AccountKind.DEPARTMENT or department.id in joined:
                continue
            async with self._storage.transaction():
                await self._storage.departments.set_member(department.id, employee.account.id, MemberRole.MEMBER)
                await audit(self._storage, AUDIT_ACTOR, "department.member_set", "department", department.id,
                            account_id=str(employee.account.id), role=MemberRole.MEMBER.value)
