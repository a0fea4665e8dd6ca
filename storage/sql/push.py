"""Web Push subscriptions and their delivery queue.

"Live" subscriptions join their access token: a revoked token's
subscription stays in the table (the token row is kept for audit) but is
never pushed to again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from storage.clock import from_db, to_db
from storage.ids import IdGenerator
from storage.push import (
    NewPushSubscription,
    PushDelivery,
    PushDeliveryState,
    PushDeliveryUpdate,
    PushPolicy,
    PushSubscription,
)
from storage.sql.database import Database, Row
from storage.sql.leases import completion_params, completion_sql
from storage.sql.read_back import read_back

SUBSCRIPTION_COLUMNS = (
    "s.id, s.access_token_id, s.account_id, s.endpoint, s.p256dh, s.auth, s.alerts, s.policy, s.standard,"
    " s.created_at, s.updated_at"
)
DELIVERY_COLUMNS = (
    "id, subscription_id, notification_id, state, attempts, next_attempt_at, last_status, last_error, created_at"
)
LIVE = (
    "EXISTS (SELECT 1 FROM oauth_access_tokens t JOIN users u ON u.account_id = t.account_id"
    " WHERE t.id = s.access_token_id AND t.revoked_at IS NULL AND u.disabled = 0)"
)

CLAIM_SQL = f"""
UPDATE push_deliveries SET locked_until = ?, locked_by = ?
WHERE id IN (
    SELECT id FROM push_deliveries
    WHERE state = 'pending' AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)
    ORDER BY next_attempt_at, id LIMIT ? {{skip_locked}}
)
RETURNING {DELIVERY_COLUMNS}
"""

COMPLETE_SQL = completion_sql("push_deliveries")


def subscription_from_row(row: Row) -> PushSubscription:
    return PushSubscription(
        id=row["id"],
        access_token_id=row["access_token_id"],
        account_id=row["account_id"],
        endpoint=row["endpoint"],
        p256dh=row["p256dh"],
        auth=row["auth"],
        alerts=frozenset(json.loads(row["alerts"])),
        policy=PushPolicy(row["policy"]),
        standard=bool(row["standard"]),
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
    )


def delivery_from_row(row: Row) -> PushDelivery:
    return PushDelivery(
        id=row["id"],
        subscription_id=row["subscription_id"],
        notification_id=row["notification_id"],
        state=PushDeliveryState(row["state"]),
        attempts=row["attempts"],
        next_attempt_at=from_db(row["next_attempt_at"]),
        last_status=row["last_status"],
        last_error=row["last_error"],
        created_at=from_db(row["created_at"]),
    )


def _alerts_json(alerts: frozenset[str]) -> str:
    return json.dumps(sorted(alerts))




class SqlPushStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def subscribe(self, new: NewPushSubscription, now: datetime) -> PushSubscription:
        subscription_id = self._ids.next_id()
        moment = to_db(now)
        async with self._db.write() as connection:
            await connection.execute("DELETE FROM push_subscriptions WHERE access_token_id = ?", (new.access_token_id,))
            await connection.execute(
                "INSERT INTO push_subscriptions (id, access_token_id, account_id, endpoint, p256dh, auth, alerts,"
                " policy, standard, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (subscription_id, new.access_token_id, new.account_id, new.endpoint, new.p256dh, new.auth,
                 _alerts_json(new.alerts), new.policy.value, 1 if new.standard else 0, moment, moment),
            )
            found = await self._one("s.id = ?", subscription_id)
        return read_back(found, "the push subscription")

    async def _one(self, condition: str, value: int) -> PushSubscription | None:
        row = await self._db.fetch_one(f"SELECT {SUBSCRIPTION_COLUMNS} FROM push_subscriptions s WHERE {condition}",
                                       (value,))
        return subscription_from_row(row) if row else None

    async def for_token(self, access_token_id: int) -> PushSubscription | None:
        return await self._one("s.access_token_id = ?", access_token_id)

    async def update(
        self, access_token_id: int, alerts: frozenset[str] | None, policy: PushPolicy | None, now: datetime
    ) -> PushSubscription | None:
        async with self._db.write():
            await self._db.execute(
                "UPDATE push_subscriptions SET alerts = COALESCE(?, alerts), policy = COALESCE(?, policy),"
                " updated_at = ? WHERE access_token_id = ?",
                (None if alerts is None else _alerts_json(alerts), None if policy is None else policy.value,
                 to_db(now), access_token_id),
            )
            return await self.for_token(access_token_id)

    async def unsubscribe(self, access_token_id: int) -> bool:
        return await self._db.execute("DELETE FROM push_subscriptions WHERE access_token_id = ?", (access_token_id,)) > 0

    async def delete(self, subscription_id: int) -> bool:
        return await self._db.execute("DELETE FROM push_subscriptions WHERE id = ?", (subscription_id,)) > 0

    async def get_live(self, subscription_id: int) -> PushSubscription | None:
        return await self._one(f"s.id = ? AND {LIVE}", subscription_id)

    async def live_for_account(self, account_id: int) -> Sequence[PushSubscription]:
        rows = await self._db.fetch_all(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM push_subscriptions s WHERE s.account_id = ? AND {LIVE} ORDER BY s.id",
            (account_id,),
        )
        return [subscription_from_row(row) for row in rows]

    async def live_for_accounts(self, account_ids: Sequence[int]) -> Sequence[PushSubscription]:
        if not account_ids:
            return []
        rows = await self._db.fetch_all(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM push_subscriptions s WHERE s.account_id IN"
            f" ({','.join('?' * len(account_ids))}) AND {LIVE} ORDER BY s.id", tuple(account_ids),
        )
        return [subscription_from_row(row) for row in rows]

    async def enqueue(self, subscription_ids: Sequence[int], notification_id: int, now: datetime) -> int:
        moment = to_db(now)
        rows = [(self._ids.next_id(), sid, notification_id, moment, moment) for sid in subscription_ids]
        return await self._db.execute_many(
            "INSERT INTO push_deliveries (id, subscription_id, notification_id, next_attempt_at, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (subscription_id, notification_id) DO NOTHING",
            rows,
        )

    async def claim(self, worker_id: str, now: datetime, lease_until: datetime, limit: int) -> Sequence[PushDelivery]:
        moment = to_db(now)
        async with self._db.write() as connection:
            claim = CLAIM_SQL.replace("{skip_locked}", self._db.dialect.skip_locked)
            async with connection.execute(claim, (to_db(lease_until), worker_id, moment, moment, limit)) as cursor:
                rows = await cursor.fetchall()
        return sorted((delivery_from_row(row) for row in rows), key=lambda d: (d.next_attempt_at, d.id))

    async def complete(self, worker_id: str, updates: Sequence[PushDeliveryUpdate]) -> int:
        return await self._db.execute_many(COMPLETE_SQL, [completion_params(worker_id, update) for update in updates])

    async def get_delivery(self, delivery_id: int) -> PushDelivery | None:
        row = await self._db.fetch_one(f"SELECT {DELIVERY_COLUMNS} FROM push_deliveries WHERE id = ?", (delivery_id,))
        return delivery_from_row(row) if row else None

    async def deliveries_for(self, notification_id: int) -> Sequence[PushDelivery]:
        rows = await self._db.fetch_all(
            f"SELECT {DELIVERY_COLUMNS} FROM push_deliveries WHERE notification_id = ? ORDER BY id", (notification_id,)
        )
        return [delivery_from_row(row) for row in rows]
