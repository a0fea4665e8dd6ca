"""Department membership."""

from __future__ import annotations

from collections.abc import Sequence

from storage.clock import from_db, to_db, utcnow
from storage.models import MemberRole, Membership
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back

MEMBER_COLUMNS = "department_id, account_id, role, created_at"


def membership_from_row(row: Row) -> Membership:
    return Membership(
        department_id=row["department_id"],
        account_id=row["account_id"],
        role=MemberRole(row["role"]),
        created_at=from_db(row["created_at"]),
    )


class SqlDepartmentStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def set_member(self, department_id: int, account_id: int, role: MemberRole) -> Membership:
        async with self._db.write():
            await self._db.execute(
                f"INSERT INTO department_members ({MEMBER_COLUMNS}) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (department_id, account_id) DO UPDATE SET role = excluded.role",
                (department_id, account_id, role.value, to_db(utcnow())),
            )
            row = await self._db.fetch_one(
                f"SELECT {MEMBER_COLUMNS} FROM department_members WHERE department_id = ? AND account_id = ?",
                (department_id, account_id),
            )
        row = read_back(row, "the membership")
        return membership_from_row(row)

    async def remove_member(self, department_id: int, account_id: int) -> bool:
        changed = await self._db.execute(
            "DELETE FROM department_members WHERE department_id = ? AND account_id = ?", (department_id, account_id)
        )
        return changed > 0

    async def members(self, department_id: int) -> Sequence[Membership]:
        rows = await self._db.fetch_all(
            f"SELECT {MEMBER_COLUMNS} FROM department_members WHERE department_id = ? ORDER BY created_at, account_id",
            (department_id,),
        )
        return [membership_from_row(row) for row in rows]

    async def memberships_of(self, account_id: int) -> Sequence[Membership]:
        rows = await self._db.fetch_all(
            f"SELECT {MEMBER_COLUMNS} FROM department_members WHERE account_id = ? ORDER BY department_id",
            (account_id,),
        )
        return [membership_from_row(row) for row in rows]
