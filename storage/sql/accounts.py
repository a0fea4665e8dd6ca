"""Accounts and their sign-in rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import SplitResult, urlsplit

from activitypub.errors import NotFound, OwnOrigin
from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator, time_of
from storage.models import (
    Account,
    AccountKind,
    AccountStats,
    NewAccount,
    NewUser,
    ProfileChanges,
    RemoteProfile,
    Role,
    User,
)
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back

ACCOUNT_COLUMNS = (
    "id, kind, username, domain, display_name, note, public_note, exposed, locked, avatar_path, header_path, "
    "public_key_pem, private_key_pem, uri, url, inbox_url, shared_inbox_url, key_id, created_at, updated_at, "
    "actor_type, fetched_at, deleted_at, moved_to_uri"
)
USER_COLUMNS = (
    "account_id, email, password_hash, role, disabled, created_at, sso_subject, local_login, role_from_idp"
)
QUALIFIED_ACCOUNT_COLUMNS = ", ".join(f"accounts.{name.strip()}" for name in ACCOUNT_COLUMNS.split(","))
PREFIXED_USER_COLUMNS = ", ".join(f"users.{name.strip()} AS user_{name.strip()}" for name in USER_COLUMNS.split(","))


def account_from_row(row: Row) -> Account:
    return Account(
        id=row["id"],
        kind=AccountKind(row["kind"]),
        username=row["username"],
        domain=row["domain"],
        display_name=row["display_name"],
        note=row["note"],
        public_note=row["public_note"],
        exposed=bool(row["exposed"]),
        locked=bool(row["locked"]),
        avatar_path=row["avatar_path"],
        header_path=row["header_path"],
        public_key_pem=row["public_key_pem"],
        private_key_pem=row["private_key_pem"],
        uri=row["uri"],
        url=row["url"],
        inbox_url=row["inbox_url"],
        shared_inbox_url=row["shared_inbox_url"],
        key_id=row["key_id"],
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
        actor_type=row["actor_type"],
        fetched_at=from_db(row["fetched_at"]) if row["fetched_at"] else None,
        deleted_at=from_db(row["deleted_at"]) if row["deleted_at"] else None,
        moved_to_uri=row["moved_to_uri"],
    )


def user_from_row(row: Row, prefix: str = "") -> User:
    return User(
        account_id=row[f"{prefix}account_id"],
        email=row[f"{prefix}email"],
        password_hash=row[f"{prefix}password_hash"],
        role=Role(row[f"{prefix}role"]),
        disabled=bool(row[f"{prefix}disabled"]),
        created_at=from_db(row[f"{prefix}created_at"]),
        sso_subject=row[f"{prefix}sso_subject"],
        local_login=bool(row[f"{prefix}local_login"]),
        role_from_idp=bool(row[f"{prefix}role_from_idp"]),
    )


class SqlAccountStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def create_local(self, account: NewAccount, user: NewUser | None = None) -> Account:
        account_id = self._ids.next_id()
        now = to_db(utcnow())
        # The database's own execute, not the connection's: it turns a taken username or email into
        # Conflict on either engine, and joins this transaction.
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO accounts (id, kind, username, display_name, note, public_note, exposed, locked,"
                " public_key_pem, private_key_pem, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (account_id, account.kind.value, account.username, account.display_name, account.note,
                 account.public_note, int(account.exposed), int(account.locked), account.public_key_pem,
                 account.private_key_pem, now, now),
            )
            if user is not None:
                await self._db.execute(
                    f"INSERT INTO users ({USER_COLUMNS}) VALUES (?, ?, ?, ?, 0, ?, ?, ?, 0)",
                    (account_id, user.email, user.password_hash, user.role.value, now, user.sso_subject,
                     int(user.local_login)),
                )
        created = await self.get(account_id)
        return read_back(created, "the account")

    async def get(self, account_id: int) -> Account | None:
        row = await self._db.fetch_one(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?", (account_id,))
        return account_from_row(row) if row else None

    async def get_many(self, account_ids: Sequence[int]) -> Mapping[int, Account]:
        if not account_ids:
            return {}
        holes = ",".join("?" * len(account_ids))
        rows = await self._db.fetch_all(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id IN ({holes})", account_ids)
        return {row["id"]: account_from_row(row) for row in rows}

    async def stats(self, account_ids: Sequence[int]) -> Mapping[int, AccountStats]:
        """Followers, following, statuses and the last status time of each account, in one query."""
        if not account_ids:
            return {}
        holes = ",".join("?" * len(account_ids))
        rows = await self._db.fetch_all(
            "SELECT a.id,"
            " (SELECT count(*) FROM follows f WHERE f.target_account_id = a.id AND f.state = 'accepted'),"
            " (SELECT count(*) FROM follows f WHERE f.account_id = a.id AND f.state = 'accepted'),"
            " (SELECT count(*) FROM statuses s WHERE s.account_id = a.id AND s.deleted_at IS NULL),"
            " (SELECT max(s.id) FROM statuses s WHERE s.account_id = a.id AND s.deleted_at IS NULL)"
            f" FROM accounts a WHERE a.id IN ({holes})",
            account_ids,
        )
        return {row[0]: AccountStats(row[1], row[2], row[3], time_of(row[4]) if row[4] else None) for row in rows}

    async def get_by_media_path(self, path: str) -> Account | None:
        """The local account whose avatar or header is stored at ``path``."""
        row = await self._db.fetch_one(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE domain IS NULL AND (avatar_path = ? OR header_path = ?)",
            (path, path),
        )
        return account_from_row(row) if row else None

    async def find_remote(self, username: str, domain: str) -> Account | None:
        row = await self._db.fetch_one(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE lower(username) = lower(?) AND lower(domain) = lower(?)",
            (username, domain),
        )
        return account_from_row(row) if row else None

    async def get_local(self, username: str) -> Account | None:
        row = await self._db.fetch_one(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE lower(username) = lower(?) AND domain IS NULL",
            (username,),
        )
        return account_from_row(row) if row else None

    async def list_local(self, kind: AccountKind | None = None) -> Sequence[Account]:
        if kind is None:
            rows = await self._db.fetch_all(
                f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE domain IS NULL ORDER BY lower(username)"
            )
        else:
            rows = await self._db.fetch_all(
                f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE domain IS NULL AND kind = ? ORDER BY lower(username)",
                (kind.value,),
            )
        return [account_from_row(row) for row in rows]

    async def update_profile(self, account_id: int, changes: ProfileChanges) -> Account:
        values = {name: getattr(changes, name) for name in ProfileChanges.__dataclass_fields__}
        updates = {name: value for name, value in values.items() if value is not None}
        if updates:
            assignments = ", ".join(f"{name} = ?" for name in updates)
            params = [int(v) if isinstance(v, bool) else v for v in updates.values()]
            changed = await self._db.execute(
                f"UPDATE accounts SET {assignments}, updated_at = ? WHERE id = ?",
                (*params, to_db(utcnow()), account_id),
            )
            if not changed:
                raise NotFound()
        account = await self.get(account_id)
        if account is None:
            raise NotFound()
        return account

    async def set_keys(self, account_id: int, public_key_pem: str, private_key_pem: str) -> None:
        await self._require_changed(
            "UPDATE accounts SET public_key_pem = ?, private_key_pem = ?, updated_at = ? WHERE id = ?",
            (public_key_pem, private_key_pem, to_db(utcnow()), account_id),
        )

    async def get_user(self, account_id: int) -> User | None:
        row = await self._db.fetch_one(f"SELECT {USER_COLUMNS} FROM users WHERE account_id = ?", (account_id,))
        return user_from_row(row) if row else None

    async def get_user_by_email(self, email: str) -> User | None:
        row = await self._db.fetch_one(f"SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower(?)", (email,))
        return user_from_row(row) if row else None

    async def get_user_by_sso_subject(self, subject: str) -> User | None:
        row = await self._db.fetch_one(f"SELECT {USER_COLUMNS} FROM users WHERE sso_subject = ?", (subject,))
        return user_from_row(row) if row else None

    async def link_sso_subject(self, account_id: int, subject: str) -> None:
        await self._require_changed(
            "UPDATE users SET sso_subject = ? WHERE account_id = ? AND sso_subject IS NULL", (subject, account_id)
        )

    async def set_local_login(self, account_id: int, local_login: bool) -> None:
        await self._require_changed(
            "UPDATE users SET local_login = ? WHERE account_id = ?", (int(local_login), account_id)
        )

    async def set_email(self, account_id: int, email: str) -> None:
        # The database's own execute: a taken address is Conflict on either engine.
        await self._require_changed("UPDATE users SET email = ? WHERE account_id = ?", (email, account_id))

    async def list_users(self) -> Sequence[tuple[Account, User]]:
        rows = await self._db.fetch_all(
            f"SELECT {QUALIFIED_ACCOUNT_COLUMNS}, {PREFIXED_USER_COLUMNS} FROM accounts"
            " JOIN users ON users.account_id = accounts.id ORDER BY lower(accounts.username)"
        )
        return [(account_from_row(row), user_from_row(row, "user_")) for row in rows]

    async def set_role(self, account_id: int, role: Role, *, from_idp: bool = False) -> None:
        await self._require_changed(
            "UPDATE users SET role = ?, role_from_idp = ? WHERE account_id = ?", (role.value, int(from_idp), account_id)
        )

    async def set_disabled(self, account_id: int, disabled: bool) -> None:
        await self._require_changed("UPDATE users SET disabled = ? WHERE account_id = ?", (int(disabled), account_id))

    async def set_password_hash(self, account_id: int, password_hash: str) -> None:
        await self._require_changed(
            "UPDATE users SET password_hash = ? WHERE account_id = ?", (password_hash, account_id)
        )

    async def count_admins(self) -> int:
        row = await self._db.fetch_one("SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled = 0")
        return int(row["n"]) if row else 0

    async def upsert_remote(self, profile: RemoteProfile) -> Account:
        await self._refuse_own_origin(profile.uri)
        now = to_db(utcnow())
        values = (profile.username, profile.domain, profile.display_name, profile.note, int(profile.locked),
                  profile.public_key_pem, profile.url, profile.inbox_url, profile.shared_inbox_url, profile.key_id,
                  profile.actor_type, profile.avatar_url, profile.header_url)
        async with self._db.write() as connection:
            row = await self._db.fetch_one("SELECT id FROM accounts WHERE uri = ?", (profile.uri,))
            account_id = int(row["id"]) if row else self._ids.next_id()
            # The newest document wins the handle (Mastodon re-checks WebFinger here; we cannot ask).
            await connection.execute(
                "UPDATE accounts SET username = username || '~' || id WHERE domain IS NOT NULL"
                " AND lower(username) = lower(?) AND lower(domain) = lower(?) AND id <> ?",
                (profile.username, profile.domain, account_id),
            )
            if row is None:
                await connection.execute(
                    "INSERT INTO accounts (username, domain, display_name, note, locked, public_key_pem, url,"
                    " inbox_url, shared_inbox_url, key_id, actor_type, avatar_path, header_path, id, kind, uri,"
                    " fetched_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'remote',"
                    " ?, ?, ?, ?)",
                    (*values, account_id, profile.uri, now, now, now),
                )
            else:
                await connection.execute(
                    "UPDATE accounts SET username = ?, domain = ?, display_name = ?, note = ?, locked = ?,"
                    " public_key_pem = ?, url = ?, inbox_url = ?, shared_inbox_url = ?, key_id = ?, actor_type = ?,"
                    " avatar_path = ?, header_path = ?, fetched_at = ?, updated_at = ?, deleted_at = NULL WHERE id = ?",
                    (*values, now, now, account_id),
                )
        account = await self.get(account_id)
        return read_back(account, "the account")

    async def _refuse_own_origin(self, uri: str) -> None:
        """The last line of defence: a URI on the origin fixed at first start is never stored as remote."""
        row = await self._db.fetch_one("SELECT value FROM instance_meta WHERE key = 'base_url'")
        if row is not None and _same_host_and_port(uri, str(row["value"])):
            raise OwnOrigin(detail=f"{uri} is on our own origin")

    async def get_by_uri(self, uri: str) -> Account | None:
        row = await self._db.fetch_one(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE uri = ?", (uri,))
        return account_from_row(row) if row else None

    async def get_by_key_id(self, key_id: str) -> Account | None:
        row = await self._db.fetch_one(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE key_id = ? AND domain IS NOT NULL"
            " ORDER BY fetched_at DESC LIMIT 1",
            (key_id,),
        )
        return account_from_row(row) if row else None

    async def delete_remote(self, account_id: int) -> bool:
        now = to_db(utcnow())
        changed = await self._db.execute(
            "UPDATE accounts SET deleted_at = ?, updated_at = ? WHERE id = ? AND domain IS NOT NULL"
            " AND deleted_at IS NULL",
            (now, now, account_id),
        )
        return changed > 0

    async def set_moved_to(self, account_id: int, moved_to_uri: str | None) -> None:
        await self._require_changed(
            "UPDATE accounts SET moved_to_uri = ?, updated_at = ? WHERE id = ? AND domain IS NOT NULL",
            (moved_to_uri, to_db(utcnow()), account_id),
        )

    async def _require_changed(self, sql: str, params: tuple[object, ...]) -> None:
        if not await self._db.execute(sql, params):
            raise NotFound()


def _same_host_and_port(uri: str, base_url: str) -> bool:
    """``activitypub.parse.is_own_uri`` in the terms storage may use (it imports no upper layer)."""
    try:
        left, right = urlsplit(uri), urlsplit(base_url)
        return (left.hostname or "").rstrip(".") == (right.hostname or "").rstrip(".") and _port(left) == _port(right)
    except ValueError:
        return False


def _port(parts: SplitResult) -> int | None:
    return None if parts.port in (None, 80, 443) else parts.port
