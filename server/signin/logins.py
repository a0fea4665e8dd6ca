"""Checking an employee's sign-in: which account a login names, then its password, behind the throttle.

The OAuth sign-in form, the password grant and the admin sign-in all ask
``SignIns.attempt``. In the order the code runs:

1. The login is resolved to an account once (``resolve_login``). Every
   spelling of one person names the same account: surrounding whitespace,
   any letter case, ``name``, ``@name``, ``name@<our domain>``,
   ``@name@<our domain>``, and the email address (tried first for anything
   with an ``@`` in it, as Mastodon signs in by email).
2. The throttle's per-account bucket is keyed on what the login resolved to:
   the account's id, so ``dave``, ``DAVE`` and ``dave@acme.test`` draw from
   one budget. A login that names no account is keyed on its spelling folded
   the same way (``fold_login``), so an unknown login is throttled exactly as
   a known one would be and the answers do not tell them apart.
3. The password is verified. An unknown login still costs one verification
   (against a decoy hash), so the timing does not tell them apart either.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from server.passwords import Passwords
from server.signin.throttle import SignInThrottle, Verdict, account_key, unknown_login_key
from storage.models import Account, User
from storage.protocols import Storage

# A real Argon2id hash of a random string; verifying against it costs what a real check costs.
_DECOY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$PPXq1atmeHt3Nsx9ndHtlA$oBGVPOwTVDSykmgW0gm6G4Wdl5A/6J7DiJvK1OAkqAU"


class Outcome(Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    DISABLED = "disabled"
    # The right password, but single sign-on is the only way in and this is no break-glass account.
    PASSWORD_OFF = "password_off"


@dataclass(frozen=True, slots=True)
class SignInResult:
    outcome: Outcome
    account: Account | None = None
    user: User | None = None


@dataclass(frozen=True, slots=True)
class Login:
    """A login resolved: the employee it names (None for none) and the throttle bucket it spends from."""

    found: tuple[Account, User] | None
    throttle_key: str


def fold_login(login: str, domain: str) -> str:
    """The spelling all variants of one handle share: trimmed, lower case, no leading ``@``, no own domain."""
    handle = login.strip().removeprefix("@").lower()
    if handle.count("@") == 1:
        return handle.removesuffix("@" + domain.lower())
    return handle


async def resolve_login(storage: Storage, domain: str, login: str) -> Login:
    handle = login.strip().removeprefix("@")
    found = await _find(storage, domain, handle) if handle else None
    if found is not None:
        return Login(found, account_key(found[0].id))
    return Login(None, unknown_login_key(fold_login(login, domain)))


async def _find(storage: Storage, domain: str, handle: str) -> tuple[Account, User] | None:
    if "@" in handle:
        by_email = await storage.accounts.get_user_by_email(handle)
        if by_email is not None:
            account = await storage.accounts.get(by_email.account_id)
            return (account, by_email) if account is not None else None
        handle, _, host = handle.rpartition("@")
        if host.lower() != domain.lower() or not handle or "@" in handle:
            return None
    account = await storage.accounts.get_local(handle)
    user = await storage.accounts.get_user(account.id) if account else None
    if account is None or user is None:
        return None
    return account, user


async def check_password(passwords: Passwords, login: Login, password: str) -> SignInResult:
    if login.found is None:
        await passwords.verify(_DECOY_HASH, password)
        return SignInResult(Outcome.BAD_CREDENTIALS)
    account, user = login.found
    if not await passwords.verify(user.password_hash, password):
        return SignInResult(Outcome.BAD_CREDENTIALS)
    if user.disabled:
        return SignInResult(Outcome.DISABLED, account, user)
    return SignInResult(Outcome.OK, account, user)


class SignIns:
    def __init__(self, storage: Storage, passwords: Passwords, domain: str, *, password_login: bool = True) -> None:
        self._storage = storage
        self._passwords = passwords
        self._domain = domain
        # False when [sso] password_login is off: only break-glass accounts (local_login) sign in by password.
        self.password_login = password_login

    async def attempt(self, throttle: SignInThrottle, ip: str, login: str, password: str) -> Verdict | SignInResult:
        """The refusing ``Verdict`` when either bucket is empty (nothing is checked), else the check's result.

        Every attempt spends from the IP's bucket; a wrong password also from the login's. ``throttle`` is
        the app's (tests swap it for one with their own clock), its buckets are in storage.
        """
        resolved = await resolve_login(self._storage, self._domain, login)
        buckets = self._storage.throttle
        verdict = await throttle.attempt(buckets, ip, resolved.throttle_key)
        if not verdict.allowed:
            return verdict
        result = await check_password(self._passwords, resolved, password)
        if result.outcome is Outcome.BAD_CREDENTIALS:
            await throttle.failed(buckets, resolved.throttle_key)
        # Told only after the password proved right, so the answer reveals no break-glass account.
        if result.outcome is Outcome.OK and not self.password_login and not (result.user and result.user.local_login):
            return SignInResult(Outcome.PASSWORD_OFF, result.account, result.user)
        return result
