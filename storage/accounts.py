"""The account aggregate's stores: local and remote accounts, their sign-in rows, department memberships."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from storage.inbound import RemoteProfile
from storage.models import (
    Account,
    AccountKind,
    AccountStats,
    MemberRole,
    Membership,
    NewAccount,
    NewUser,
    ProfileChanges,
    Role,
    User,
)


class AccountStore(Protocol):
    async def create_local(self, account: NewAccount, user: NewUser | None = None) -> Account:
        """Insert a local account (and its sign-in row); Conflict if the username or email is taken."""
        ...

    async def get(self, account_id: int) -> Account | None: ...

    async def get_local(self, username: str) -> Account | None:
        """Case-insensitive lookup among local accounts."""
        ...

    async def find_remote(self, username: str, domain: str) -> Account | None: ...

    async def get_many(self, account_ids: Sequence[int]) -> Mapping[int, Account]: ...

    async def get_by_media_path(self, path: str) -> Account | None: ...

    async def stats(self, account_ids: Sequence[int]) -> Mapping[int, AccountStats]: ...

    async def list_local(self, kind: AccountKind | None = None) -> Sequence[Account]: ...

    async def update_profile(self, account_id: int, changes: ProfileChanges) -> Account: ...

    async def set_keys(self, account_id: int, public_key_pem: str, private_key_pem: str) -> None: ...

    async def get_user(self, account_id: int) -> User | None: ...

    async def get_user_by_email(self, email: str) -> User | None: ...

    async def get_user_by_sso_subject(self, subject: str) -> User | None: ...

    async def link_sso_subject(self, account_id: int, subject: str) -> None:
        """Link the account to the identity provider's ``sub``; NotFound if it is linked already,
        Conflict if another account holds that ``sub``."""
        ...

    async def set_local_login(self, account_id: int, local_login: bool) -> None: ...

    async def set_email(self, account_id: int, email: str) -> None:
        """Conflict if another account has the address (ignoring case); NotFound without a sign-in row."""
        ...

    async def list_users(self) -> Sequence[tuple[Account, User]]: ...

    async def set_role(self, account_id: int, role: Role, *, from_idp: bool = False) -> None:
        """``from_idp``: the provider's groups set it; any other change (CLI, admin) clears that mark."""
        ...

    async def set_disabled(self, account_id: int, disabled: bool) -> None: ...

    async def set_password_hash(self, account_id: int, password_hash: str) -> None: ...

    async def count_admins(self) -> int: ...

    async def upsert_remote(self, profile: RemoteProfile) -> Account:
        """Insert or refresh the remote account with ``profile.uri``; sets ``fetched_at``, clears ``deleted_at``.

        If another actor of the same domain holds the handle, the newer
        document wins it and the older row's username gets a ``~<id>`` suffix.
        """
        ...

    async def get_by_uri(self, uri: str) -> Account | None: ...

    async def get_by_key_id(self, key_id: str) -> Account | None: ...

    async def delete_remote(self, account_id: int) -> bool:
        """Mark a remote account deleted (its key stops verifying); False if not a live remote account."""
        ...

    async def set_moved_to(self, account_id: int, moved_to_uri: str | None) -> None: ...


class DepartmentStore(Protocol):
    async def set_member(self, department_id: int, account_id: int, role: MemberRole) -> Membership:
        """Add the member, or change the role of an existing member."""
        ...

    async def remove_member(self, department_id: int, account_id: int) -> bool: ...

    async def members(self, department_id: int) -> Sequence[Membership]: ...

    async def memberships_of(self, account_id: int) -> Sequence[Membership]: ...
