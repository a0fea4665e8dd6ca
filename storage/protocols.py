"""One Protocol per aggregate. Every backend implements all of them.

Each method is its own transaction unless it runs inside
``Storage.transaction()``, in which case it joins that one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

from storage.social import (
    FollowStore,
    InteractionStore,
    NotificationStore,
    RelationshipStore,
    StatusStore,
    TimelineStore,
)
from storage.models import (
    AccessToken,
    Account,
    AccountKind,
    Membership,
    MemberRole,
    NewAccount,
    NewUser,
    ProfileChanges,
    Role,
    User,
    WebSession,
)


class AccountStore(Protocol):
    async def create_local(self, account: NewAccount, user: NewUser | None = None) -> Account:
        """Insert a local account (and its sign-in row); Conflict if the username or email is taken."""
        ...

    async def get(self, account_id: int) -> Account | None: ...

    async def get_local(self, username: str) -> Account | None:
        """Case-insensitive lookup among local accounts."""
        ...

    async def list_local(self, kind: AccountKind | None = None) -> Sequence[Account]: ...

    async def update_profile(self, account_id: int, changes: ProfileChanges) -> Account: ...

    async def set_keys(self, account_id: int, public_key_pem: str, private_key_pem: str) -> None: ...

    async def get_user(self, account_id: int) -> User | None: ...

    async def get_user_by_email(self, email: str) -> User | None: ...

    async def list_users(self) -> Sequence[tuple[Account, User]]: ...

    async def set_role(self, account_id: int, role: Role) -> None: ...

    async def set_disabled(self, account_id: int, disabled: bool) -> None: ...

    async def set_password_hash(self, account_id: int, password_hash: str) -> None: ...

    async def count_admins(self) -> int: ...


class DepartmentStore(Protocol):
    async def set_member(self, department_id: int, account_id: int, role: MemberRole) -> Membership:
        """Add the member, or change the role of an existing member."""
        ...

    async def remove_member(self, department_id: int, account_id: int) -> bool: ...

    async def members(self, department_id: int) -> Sequence[Membership]: ...

    async def memberships_of(self, account_id: int) -> Sequence[Membership]: ...


class TokenStore(Protocol):
    async def create_access_token(
        self, token_digest: str, account_id: int | None, application_id: int | None, scopes: Sequence[str]
    ) -> AccessToken: ...

    async def get_access_token(self, token_digest: str) -> AccessToken | None:
        """The token with this digest, revoked or not; callers check ``revoked_at``."""
        ...

    async def revoke_access_token(self, token_digest: str) -> bool: ...

    async def create_session(self, session_digest: str, account_id: int) -> WebSession: ...

    async def get_session(self, session_digest: str) -> WebSession | None: ...

    async def revoke_all_for_account(self, account_id: int) -> int:
        """Revoke every access token and web session of the account; returns how many."""
        ...


class InstanceStore(Protocol):
    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...


class Storage(Protocol):
    @property
    def accounts(self) -> AccountStore: ...

    @property
    def departments(self) -> DepartmentStore: ...

    @property
    def tokens(self) -> TokenStore: ...

    @property
    def instance(self) -> InstanceStore: ...

    @property
    def follows(self) -> FollowStore: ...

    @property
    def relationships(self) -> RelationshipStore: ...

    @property
    def statuses(self) -> StatusStore: ...

    @property
    def interactions(self) -> InteractionStore: ...

    @property
    def timelines(self) -> TimelineStore: ...

    @property
    def notifications(self) -> NotificationStore: ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        ...

    async def migrate(self) -> Sequence[str]:
        """Apply pending migrations; returns the names applied."""
        ...

    async def pending_migrations(self) -> Sequence[str]: ...

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Make every store call inside the block one atomic unit."""
        ...

    async def backup(self, destination: Path, progress: Callable[[int, int, int], None] | None = None) -> None:
        """Write an online-consistent copy of the database to ``destination``."""
        ...
