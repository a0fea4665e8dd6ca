"""The admin action log, runtime federation rules, report outcomes, exposure and engagement facts."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from activitypub.errors import Conflict
from storage.admin import (
    AccountQuery,
    AdminAction,
    DomainFollowers,
    DomainRule,
    DomainRuleKind,
    EngagementEvent,
    EngagementKind,
    ExposureCause,
    ExposureFact,
    FederationRules,
    NewAdminAction,
    PublishedPost,
    ReportClosure,
)
from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.models import Page
from storage.sql.database import Database, Row
from storage.sql.paging import page_clause
from storage.sql.read_back import read_back

ACTION_COLUMNS = "id, actor, action, target_type, target_id, reason, detail, created_at"
RULE_COLUMNS = "id, domain, kind, private_comment, public_comment, created_by, created_at"
CHUNK = 500
# Local posts that are, or were, outside: engagement and exposure are about these.
OUTSIDE_POSTS = "local = 1 AND reblog_of_id IS NULL AND publication_state IN ('published', 'retracted')"


def _chunks(ids: Sequence[int]) -> Iterator[tuple[str, tuple[int, ...]]]:
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), CHUNK):
        part = tuple(unique[start:start + CHUNK])
        yield ", ".join("?" * len(part)), part


def _action(row: Row) -> AdminAction:
    return AdminAction(
        id=row["id"], actor=row["actor"], action=row["action"], target_type=row["target_type"],
        target_id=row["target_id"], reason=row["reason"], detail=json.loads(row["detail"]),
        created_at=from_db(row["created_at"]),
    )


def _rule(row: Row) -> DomainRule:
    return DomainRule(
        id=row["id"], domain=row["domain"], kind=DomainRuleKind(row["kind"]),
        private_comment=row["private_comment"], public_comment=row["public_comment"],
        created_by=row["created_by"], created_at=from_db(row["created_at"]),
    )


class SqlAdminStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def account_ids(self, query: AccountQuery, page: Page) -> Sequence[int]:
        clauses: list[str] = []
        params: list[object] = []
        if query.local is not None:
            clauses.append("a.domain IS NULL" if query.local else "a.domain IS NOT NULL")
        if query.disabled is not None:
            clauses.append("u.disabled = 1" if query.disabled else "coalesce(u.disabled, 0) = 0")
        if query.roles:
            clauses.append(f"u.role IN ({', '.join('?' * len(query.roles))})")
            params += query.roles
        if query.domain is not None:
            clauses.append("lower(a.domain) = lower(?)")
            params.append(query.domain)
        if query.username is not None:
            clauses.append("lower(a.username) LIKE lower(?) ESCAPE '\\'")
            params.append(query.username.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        for bound, op in ((page.max_id, "<"), (page.since_id, ">"), (page.min_id, ">")):
            if bound is not None:
                clauses.append(f"a.id {op} ?")
                params.append(bound)
        order = "ASC" if page.min_id is not None else "DESC"
        rows = await self._db.fetch_all(
            f"SELECT a.id FROM accounts a LEFT JOIN users u ON u.account_id = a.id"
            f" WHERE {' AND '.join(clauses) or '1 = 1'} ORDER BY a.id {order} LIMIT ?", (*params, page.limit),
        )
        return sorted((row[0] for row in rows), reverse=True)

    async def record_action(self, action: NewAdminAction) -> AdminAction:
        action_id = self._ids.next_id()
        async with self._db.write():
            await self._db.execute(
                f"INSERT INTO admin_actions ({ACTION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (action_id, action.actor, action.action, action.target_type, action.target_id, action.reason,
                 json.dumps(dict(action.detail), sort_keys=True), to_db(utcnow())),
            )
            row = await self._db.fetch_one(f"SELECT {ACTION_COLUMNS} FROM admin_actions WHERE id = ?", (action_id,))
        row = read_back(row, "the admin action")
        return _action(row)

    async def actions(
        self, *, target_type: str | None = None, target_id: str | None = None, action: str | None = None,
        limit: int = 100, actor: str | None = None, since: datetime | None = None, until: datetime | None = None,
        page: Page | None = None,
    ) -> Sequence[AdminAction]:
        where, params, order = page_clause("id", page or Page(limit=limit))
        clauses: list[str] = [where]
        for column, value in (("target_type", target_type), ("target_id", target_id), ("action", action),
                              ("actor", actor)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        for sql, moment in (("created_at >= ?", since), ("created_at < ?", until)):
            if moment is not None:
                clauses.append(sql)
                params.append(to_db(moment))
        rows = await self._db.fetch_all(
            f"SELECT {ACTION_COLUMNS} FROM admin_actions WHERE {' AND '.join(clauses)} {order}", params,
        )
        found = [_action(row) for row in rows]
        return found[::-1] if page is not None and page.min_id is not None else found

    async def domain_rules(self, kind: DomainRuleKind | None = None) -> Sequence[DomainRule]:
        where, params = ("WHERE kind = ?", (kind.value,)) if kind else ("", ())
        rows = await self._db.fetch_all(f"SELECT {RULE_COLUMNS} FROM federation_domains {where} ORDER BY id", params)
        return [_rule(row) for row in rows]

    async def get_domain_rule(self, rule_id: int) -> DomainRule | None:
        row = await self._db.fetch_one(f"SELECT {RULE_COLUMNS} FROM federation_domains WHERE id = ?", (rule_id,))
        return _rule(row) if row else None

    async def add_domain_rule(
        self, domain: str, kind: DomainRuleKind, created_by: str, *,
        private_comment: str | None = None, public_comment: str | None = None,
    ) -> DomainRule:
        rule_id = self._ids.next_id()
        async with self._db.write():
            inserted = await self._db.execute(
                f"INSERT INTO federation_domains ({RULE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (domain, kind) DO NOTHING",
                (rule_id, domain, kind.value, private_comment, public_comment, created_by, to_db(utcnow())),
            )
            if not inserted:
                raise Conflict(f"{domain} is already on the {kind.value} list")
            rule = await self.get_domain_rule(rule_id)
        return read_back(rule, "the domain rule")

    async def remove_domain_rule(self, rule_id: int) -> bool:
        return await self._db.execute("DELETE FROM federation_domains WHERE id = ?", (rule_id,)) > 0

    async def set_federation_mode(self, mode: str | None, updated_by: str) -> None:
        if mode is None:
            await self._db.execute("DELETE FROM federation_settings WHERE key = 'mode'")
            return
        await self._db.execute(
            "INSERT INTO federation_settings (key, value, updated_by, updated_at) VALUES ('mode', ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by,"
            " updated_at = excluded.updated_at",
            (mode, updated_by, to_db(utcnow())),
        )

    async def federation_rules(self) -> FederationRules:
        async with self._db.read() as connection:
            async with connection.execute("SELECT value FROM federation_settings WHERE key = 'mode'") as cursor:
                mode_row = await cursor.fetchone()
            async with connection.execute("SELECT domain, kind FROM federation_domains ORDER BY id") as cursor:
                rows = list(await cursor.fetchall())
        return FederationRules(
            mode=mode_row[0] if mode_row else None,
            allowed=tuple(row[0] for row in rows if row[1] == DomainRuleKind.ALLOW.value),
            blocked=tuple(row[0] for row in rows if row[1] == DomainRuleKind.BLOCK.value),
        )

    async def close_report(self, report_id: int, by: str) -> bool:
        return await self._db.execute(
            "UPDATE reports SET state = 'resolved', action_taken_at = ?, action_taken_by = ?"
            " WHERE id = ? AND state = 'open'",
            (to_db(utcnow()), by, report_id),
        ) > 0

    async def close_staff_report(self, report_id: int, by: str) -> bool:
        return await self._db.execute(
            "UPDATE staff_reports SET action_taken_at = ?, action_taken_by = ? WHERE id = ? AND action_taken_at IS NULL",
            (to_db(utcnow()), by, report_id),
        ) > 0

    async def mark_staff_report_forwarded(self, report_id: int) -> bool:
        return await self._db.execute(
            "UPDATE staff_reports SET forwarded_at = ? WHERE id = ?", (to_db(utcnow()), report_id)
        ) > 0

    async def report_closures(self, report_ids: Sequence[int]) -> Mapping[int, ReportClosure]:
        closures: dict[int, ReportClosure] = {}
        for marks, part in _chunks(report_ids):
            rows = await self._db.fetch_all(
                f"SELECT id, action_taken_at, action_taken_by FROM reports WHERE id IN ({marks})"
                f" AND action_taken_at IS NOT NULL UNION ALL SELECT id, action_taken_at, action_taken_by"
                f" FROM staff_reports WHERE id IN ({marks}) AND action_taken_at IS NOT NULL",
                (*part, *part),
            )
            closures.update({row[0]: ReportClosure(from_db(row[1]), row[2]) for row in rows})
        return closures

    async def exposure_facts(self, account_ids: Sequence[int]) -> Sequence[ExposureFact]:
        facts: list[ExposureFact] = []
        for marks, part in _chunks(account_ids):
            facts += await self._published(marks, part)
            facts += await self._interactions(marks, part)
            rows = await self._db.fetch_all(
                f"SELECT target_id, actor, reason, created_at FROM admin_actions WHERE target_type = 'account'"
                f" AND action = 'expose' AND target_id IN ({marks})", tuple(str(i) for i in part),
            )
            facts += [ExposureFact(int(r[0]), ExposureCause.ADMIN, from_db(r[3]), actor=r[1], reason=r[2])
                      for r in rows]
        return sorted(facts, key=lambda fact: (fact.account_id, fact.at))

    async def _published(self, marks: str, part: tuple[int, ...]) -> list[ExposureFact]:
        rows = await self._db.fetch_all(
            f"SELECT s.account_id, s.id, s.uri, l.actor, l.reason, l.created_at FROM publication_log l"
            f" JOIN statuses s ON s.id = l.status_id WHERE l.to_state = 'published' AND l.from_state <> 'published'"
            f" AND s.account_id IN ({marks})", part,
        )
        return [ExposureFact(r[0], ExposureCause.PUBLISHED, from_db(r[5]), subject=r[2] or str(r[1]), actor=r[3],
                             reason=r[4]) for r in rows]

    async def _interactions(self, marks: str, part: tuple[int, ...]) -> list[ExposureFact]:
        follows = await self._db.fetch_all(
            f"SELECT f.account_id, t.uri, f.created_at FROM follows f JOIN accounts t ON t.id = f.target_account_id"
            f" WHERE t.domain IS NOT NULL AND f.account_id IN ({marks})", part,
        )
        likes = await self._db.fetch_all(
            f"SELECT f.account_id, s.uri, f.created_at FROM favourites f JOIN statuses s ON s.id = f.status_id"
            f" WHERE s.local = 0 AND f.account_id IN ({marks})", part,
        )
        return [
            *(ExposureFact(r[0], ExposureCause.FOLLOWED, from_db(r[2]), subject=r[1]) for r in follows),
            *(ExposureFact(r[0], ExposureCause.FAVOURITED, from_db(r[2]), subject=r[1]) for r in likes),
        ]

    async def published_posts(self) -> Sequence[PublishedPost]:
        rows = await self._db.fetch_all(
            f"SELECT id, account_id, uri, publication_state, published_at FROM statuses WHERE {OUTSIDE_POSTS}"
            " ORDER BY id DESC"
        )
        departments = await self._db.fetch_all(
            f"SELECT m.status_id, m.account_id FROM status_mentions m JOIN accounts a ON a.id = m.account_id"
            f" WHERE a.kind = 'department' AND m.status_id IN (SELECT id FROM statuses WHERE {OUTSIDE_POSTS})"
            f" UNION SELECT n.status_id, n.account_id FROM status_announcers n JOIN accounts a ON a.id = n.account_id"
            f" WHERE a.kind = 'department'"
        )
        by_status: dict[int, set[int]] = {}
        for row in departments:
            by_status.setdefault(row[0], set()).add(row[1])
        return [
            PublishedPost(r[0], r[1], r[2], r[3], from_db(r[4]) if r[4] else None,
                          tuple(sorted(by_status.get(r[0], ()))))
            for r in rows
        ]

    async def engagement(self, status_ids: Sequence[int]) -> Sequence[EngagementEvent]:
        events: list[EngagementEvent] = []
        for marks, part in _chunks(status_ids):
            rows = await self._db.fetch_all(
                f"SELECT s.in_reply_to_id, 'reply', lower(a.domain), s.created_at FROM statuses s"
                f" JOIN accounts a ON a.id = s.account_id WHERE a.domain IS NOT NULL AND s.deleted_at IS NULL"
                f" AND s.in_reply_to_id IN ({marks})"
                f" UNION ALL SELECT s.reblog_of_id, 'reblog', lower(a.domain), s.created_at FROM statuses s"
                f" JOIN accounts a ON a.id = s.account_id WHERE a.domain IS NOT NULL AND s.deleted_at IS NULL"
                f" AND s.reblog_of_id IN ({marks})"
                f" UNION ALL SELECT f.status_id, 'favourite', lower(a.domain), f.created_at FROM favourites f"
                f" JOIN accounts a ON a.id = f.account_id WHERE a.domain IS NOT NULL AND f.status_id IN ({marks})",
                (*part, *part, *part),
            )
            events += [EngagementEvent(r[0], EngagementKind(r[1]), r[2], from_db(r[3])) for r in rows]
        return sorted(events, key=lambda event: (event.at, event.status_id))

    async def remote_followers_by_domain(self, account_ids: Sequence[int]) -> Sequence[DomainFollowers]:
        found: list[DomainFollowers] = []
        for marks, part in _chunks(account_ids):
            rows = await self._db.fetch_all(
                f"SELECT f.target_account_id, lower(a.domain), count(*) FROM follows f"
                f" JOIN accounts a ON a.id = f.account_id WHERE a.domain IS NOT NULL AND f.state = 'accepted'"
                f" AND f.target_account_id IN ({marks}) GROUP BY 1, 2 ORDER BY 3 DESC, 2", part,
            )
            found += [DomainFollowers(r[0], r[1], r[2]) for r in rows]
        return found
