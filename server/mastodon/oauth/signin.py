"""Checking an employee's sign-in: email (as Mastodon) or username, and password.

Used by the HTML sign-in form and the password grant alike, behind the same
throttle. An unknown login still costs one password verification, so the
answer's timing does not tell which logins exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from server.passwords import Passwords
from storage.models import Account, User
from storage.protocols import Storage

# A real Argon2id hash of a random string; verifying against it costs what a real check costs.
_DECOY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$PPXq1atmeHt3Nsx9ndHtlA$oBGVPOwTVDSykmgW0gm6G4Wdl5A/6J7DiJvK1OAkqAU"


class Outcome(Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class SignInResult:
    outcome: Outcome
    account: Account | None = None
    user: User | None = None


async def _find(storage: Storage, login: str) -> tuple[Account, User] | None:
    login = login.strip()
    if "@" in login:
        user = await storage.accounts.get_user_by_email(login)
        account = await storage.accounts.get(user.account_id) if user else None
    else:
        account = await storage.accounts.get_local(login)
        user = await storage.accounts.get_user(account.id) if account else None
    if account is None or user is None:
        return None
    return account, user


async def check_sign_in(storage: Storage, passwords: Passwords, login: str, password: str) -> SignInResult:
    found = await _find(storage, login) if login.strip() else None
    if found is None:
        await passwords.verify(_DECOY_HASH, password)
        return SignInResult(Outcome.BAD_CREDENTIALS)
    account, user = found
    if not await passwords.verify(user.password_hash, password):
        return SignInResult(Outcome.BAD_CREDENTIALS)
    if user.disabled:
        return SignInResult(Outcome.DISABLED, account, user)
    return SignInResult(Outcome.OK, account, user)
