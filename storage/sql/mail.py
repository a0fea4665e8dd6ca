"""Email: preferences, presence, the leased outbox and the weekly digest's runs and questions."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from storage.clock import from_db, to_db
from storage.ids import IdGenerator
from storage.mail import (
    DigestCandidate,
    DigestCircle,
    DigestRun,
    MailKind,
    MailState,
    MailUpdate,
    NewMail,
    QueuedMail,
    Recipient,
)
from storage.sql.database import Database, Row
from storage.sql.leases import completion_params, completion_sql

MAIL_COLUMNS = (
    "id, account_id, address, kind, subject, body_text, body_html, unsubscribe_url, notification_id, state,"
    " attempts, next_attempt_at, last_status, last_error, created_at, finished_at"
)
# An active employee: local, an employee (organisations have no mailbox), with an enabled login.
ACTIVE = "a.kind = 'employee' AND a.domain IS NULL AND u.disabled = 0"
RECIPIENT_COLUMNS = "a.id AS account_id, a.username, a.display_name, u.email"

CLAIM_SQL = f"""
UPDATE mail_outbox SET locked_until = ?, locked_by = ?
WHERE id IN (
    SELECT id FROM mail_outbox
    WHERE state = 'pending' AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)
    ORDER BY next_attempt_at, id LIMIT ? {{skip_locked}}
)
RETURNING {MAIL_COLUMNS}
"""
COMPLETE_SQL = completion_sql("mail_outbox")
RUN_COLUMNS = "week, started_at, after_account_id, queued, finished_at"

CANDIDATES_SQL = """
SELECT id, account_id, visibility, score FROM (
    SELECT s.id, s.account_id, s.visibility,
        (SELECT COUNT(*) FROM favourites f WHERE f.status_id = s.id)
        + (SELECT COUNT(*) FROM statuses b WHERE b.reblog_of_id = s.id AND b.deleted_at IS NULL)
        + (SELECT COUNT(*) FROM statuses r WHERE r.in_reply_to_id = s.id AND r.deleted_at IS NULL) AS score
    FROM statuses s
    WHERE s.local = 1 AND s.created_at >= ? AND s.created_at < ? AND s.reblog_of_id IS NULL
        AND s.in_reply_to_id IS NULL AND s.deleted_at IS NULL AND s.visibility <> 'direct'
) AS scored
WHERE score > 0
ORDER BY score DESC, id DESC
LIMIT ?
"""


def _recipient(row: Row) -> Recipient:
    return Recipient(int(row["account_id"]), row["username"], row["display_name"], row["email"])


def _mail(row: Row) -> QueuedMail:
    return QueuedMail(
        id=int(row["id"]), account_id=int(row["account_id"]), address=row["address"], kind=MailKind(row["kind"]),
        subject=row["subject"], body_text=row["body_text"], body_html=row["body_html"],
        unsubscribe_url=row["unsubscribe_url"],
        notification_id=int(row["notification_id"]) if row["notification_id"] is not None else None,
        state=MailState(row["state"]), attempts=int(row["attempts"]), next_attempt_at=from_db(row["next_attempt_at"]),
        last_status=row["last_status"], last_error=row["last_error"], created_at=from_db(row["created_at"]),
        finished_at=from_db(row["finished_at"]) if row["finished_at"] else None,
    )


def _run(row: Row) -> DigestRun:
    return DigestRun(row["week"], from_db(row["started_at"]), int(row["after_account_id"]), int(row["queued"]),
                     from_db(row["finished_at"]) if row["finished_at"] else None)


class SqlMailStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    # -- preferences and presence ---------------------------------------------------------------------------

    async def preferences(self, account_id: int) -> Mapping[MailKind, bool]:
        rows = await self._db.fetch_all("SELECT kind, enabled FROM mail_preferences WHERE account_id = ?",
                                        (account_id,))
        return {MailKind(row["kind"]): bool(row["enabled"]) for row in rows}

    async def set_preference(self, account_id: int, kind: MailKind, enabled: bool, now: datetime) -> None:
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO mail_preferences (account_id, kind, enabled, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (account_id, kind) DO UPDATE SET enabled = excluded.enabled,"
                " updated_at = excluded.updated_at",
                (account_id, kind.value, 1 if enabled else 0, to_db(now)),
            )

    def _wants(self, default: bool) -> str:
        # A stored choice wins; without one, the kind's default.
        fallback = "1" if default else "0"
        return (f"COALESCE((SELECT p.enabled FROM mail_preferences p WHERE p.account_id = a.id AND p.kind = ?),"
                f" {fallback}) = 1")

    async def wanting(self, account_ids: Sequence[int], kind: MailKind, default: bool) -> Sequence[Recipient]:
        if not account_ids:
            return []
        rows = await self._db.fetch_all(
            f"SELECT {RECIPIENT_COLUMNS} FROM accounts a JOIN users u ON u.account_id = a.id"
            f" WHERE a.id IN {self._db.dialect.elements()} AND {ACTIVE} AND {self._wants(default)} ORDER BY a.id",
            (json.dumps(sorted(set(account_ids))), kind.value),
        )
        return [_recipient(row) for row in rows]

    async def recipient(self, account_id: int) -> Recipient | None:
        row = await self._db.fetch_one(
            f"SELECT {RECIPIENT_COLUMNS} FROM accounts a JOIN users u ON u.account_id = a.id"
            f" WHERE a.id = ? AND {ACTIVE}", (account_id,),
        )
        return _recipient(row) if row else None

    async def mark_seen(self, account_id: int, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO account_presence (account_id, last_seen_at) VALUES (?, ?) ON CONFLICT (account_id)"
            " DO UPDATE SET last_seen_at = excluded.last_seen_at WHERE account_presence.last_seen_at < excluded.last_seen_at",
            (account_id, to_db(at)),
        )

    async def last_seen(self, account_id: int) -> datetime | None:
        row = await self._db.fetch_one("SELECT last_seen_at FROM account_presence WHERE account_id = ?", (account_id,))
        return from_db(row["last_seen_at"]) if row else None

    # -- the outbox -----------------------------------------------------------------------------------------

    async def enqueue(self, mails: Sequence[NewMail], now: datetime) -> int:
        moment = to_db(now)
        rows = [(self._ids.next_id(), m.account_id, m.address, m.kind.value, m.subject, m.body_text, m.body_html,
                 m.unsubscribe_url, m.notification_id, m.dedupe_key, to_db(m.due_at), moment) for m in mails]
        if not rows:
            return 0
        return await self._db.execute_many(
            "INSERT INTO mail_outbox (id, account_id, address, kind, subject, body_text, body_html, unsubscribe_url,"
            " notification_id, dedupe_key, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (dedupe_key) DO NOTHING",
            rows,
        )

    async def claim(self, worker_id: str, now: datetime, lease_until: datetime, limit: int) -> Sequence[QueuedMail]:
        moment = to_db(now)
        async with self._db.write() as connection:
            claim = CLAIM_SQL.replace("{skip_locked}", self._db.dialect.skip_locked)
            async with connection.execute(claim, (to_db(lease_until), worker_id, moment, moment, limit)) as cursor:
                rows = await cursor.fetchall()
        return sorted((_mail(row) for row in rows), key=lambda m: (m.next_attempt_at, m.id))

    async def complete(self, worker_id: str, updates: Sequence[MailUpdate]) -> int:
        if not updates:
            return 0
        return await self._db.execute_many(COMPLETE_SQL, [completion_params(worker_id, update) for update in updates])

    async def get(self, mail_id: int) -> QueuedMail | None:
        row = await self._db.fetch_one(f"SELECT {MAIL_COLUMNS} FROM mail_outbox WHERE id = ?", (mail_id,))
        return _mail(row) if row else None

    async def for_account(self, account_id: int) -> Sequence[QueuedMail]:
        rows = await self._db.fetch_all(
            f"SELECT {MAIL_COLUMNS} FROM mail_outbox WHERE account_id = ? ORDER BY id", (account_id,)
        )
        return [_mail(row) for row in rows]

    # -- the weekly digest ------------------------------------------------------------------------------------

    async def start_digest(self, week: str, now: datetime) -> bool:
        added = await self._db.execute(
            "INSERT INTO mail_digest_runs (week, started_at) VALUES (?, ?) ON CONFLICT (week) DO NOTHING",
            (week, to_db(now)),
        )
        return added > 0

    async def claim_digest(self, worker_id: str, now: datetime, lease_until: datetime) -> DigestRun | None:
        async with self._db.write():
            row = await self._db.fetch_one(
                f"UPDATE mail_digest_runs SET locked_until = ?, locked_by = ? WHERE week = ("
                " SELECT week FROM mail_digest_runs WHERE finished_at IS NULL"
                f" AND (locked_until IS NULL OR locked_until < ?) ORDER BY week LIMIT 1 {self._db.dialect.skip_locked})"
                f" RETURNING {RUN_COLUMNS}",
                (to_db(lease_until), worker_id, to_db(now)),
            )
        return _run(row) if row else None

    async def advance_digest(
        self, week: str, worker_id: str, after_account_id: int, queued: int, finished_at: datetime | None
    ) -> bool:
        changed = await self._db.execute(
            "UPDATE mail_digest_runs SET after_account_id = ?, queued = queued + ?, finished_at = ?,"
            " locked_until = NULL, locked_by = NULL WHERE week = ? AND locked_by = ?",
            (after_account_id, queued, to_db(finished_at) if finished_at else None, week, worker_id),
        )
        return changed > 0

    async def digest_run(self, week: str) -> DigestRun | None:
        row = await self._db.fetch_one(f"SELECT {RUN_COLUMNS} FROM mail_digest_runs WHERE week = ?", (week,))
        return _run(row) if row else None

    async def digest_recipients(self, after_account_id: int, limit: int, default: bool) -> Sequence[Recipient]:
        rows = await self._db.fetch_all(
            f"SELECT {RECIPIENT_COLUMNS} FROM accounts a JOIN users u ON u.account_id = a.id"
            f" WHERE a.id > ? AND {ACTIVE} AND {self._wants(default)} ORDER BY a.id LIMIT ?",
            (after_account_id, MailKind.DIGEST.value, limit),
        )
        return [_recipient(row) for row in rows]

    async def digest_candidates(self, since: datetime, until: datetime, limit: int) -> Sequence[DigestCandidate]:
        rows = await self._db.fetch_all(CANDIDATES_SQL, (to_db(since), to_db(until), limit))
        ids = [int(row["id"]) for row in rows]
        departments: dict[int, list[int]] = {}
        if ids:
            for mention in await self._db.fetch_all(
                "SELECT m.status_id, m.account_id FROM status_mentions m JOIN accounts a ON a.id = m.account_id"
                f" WHERE a.kind = 'department' AND m.status_id IN {self._db.dialect.elements()}",
                (json.dumps(ids),),
            ):
                departments.setdefault(int(mention["status_id"]), []).append(int(mention["account_id"]))
        return [DigestCandidate(int(row["id"]), int(row["account_id"]), row["visibility"], int(row["score"]),
                                tuple(sorted(departments.get(int(row["id"]), ())))) for row in rows]

    async def digest_circles(self, account_ids: Sequence[int]) -> Mapping[int, DigestCircle]:
        ids = json.dumps(sorted(set(account_ids)))
        elements = self._db.dialect.elements()
        following: dict[int, set[int]] = {i: set() for i in account_ids}
        departments: dict[int, set[int]] = {i: set() for i in account_ids}
        hidden: dict[int, set[int]] = {i: set() for i in account_ids}
        for row in await self._db.fetch_all(
            f"SELECT account_id, target_account_id FROM follows WHERE state = 'accepted' AND account_id IN {elements}",
            (ids,),
        ):
            following[int(row["account_id"])].add(int(row["target_account_id"]))
        for row in await self._db.fetch_all(
            f"SELECT account_id, department_id FROM department_members WHERE account_id IN {elements}", (ids,)
        ):
            departments[int(row["account_id"])].add(int(row["department_id"]))
        for row in await self._db.fetch_all(
            f"SELECT account_id AS me, target_account_id AS other FROM blocks WHERE account_id IN {elements}"
            f" UNION SELECT target_account_id AS me, account_id AS other FROM blocks WHERE target_account_id IN {elements}"
            f" UNION SELECT account_id AS me, target_account_id AS other FROM mutes WHERE account_id IN {elements}",
            (ids, ids, ids),
        ):
            hidden[int(row["me"])].add(int(row["other"]))
        return {i: DigestCircle(frozenset(following[i]), frozenset(departments[i]), frozenset(hidden[i]))
                for i in account_ids}

    async def gone_authors(self, account_ids: Sequence[int]) -> frozenset[int]:
        if not account_ids:
            return frozenset()
        rows = await self._db.fetch_all(
            "SELECT a.id FROM accounts a LEFT JOIN users u ON u.account_id = a.id"
            f" WHERE a.id IN {self._db.dialect.elements()} AND (a.deleted_at IS NOT NULL OR u.disabled = 1)",
            (json.dumps(sorted(set(account_ids))),),
        )
        return frozenset(int(row["id"]) for row in rows)
