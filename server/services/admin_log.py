"""The append-only admin action log (``admin_actions``); publication decisions go to publication_log.

``audit`` writes one entry inside the transaction of the change it records;
``AdminLog`` reads them back for the admin API and pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.admin import AdminAction, NewAdminAction
from storage.models import Page
from storage.protocols import Storage

MAX_REASON = 1000


def clean_reason(reason: str | None) -> str | None:
    """A reason as stored: stripped, None when blank, at most ``MAX_REASON`` characters."""
    text = (reason or "").strip()
    return text[:MAX_REASON] or None


async def audit(
    storage: Storage, actor: str, action: str, target_type: str, target_id: str | int, *,
    reason: str | None = None, **detail: str,
) -> AdminAction:
    """Record one admin action; call inside the transaction that makes the change, so both or neither happen."""
    return await storage.admin.record_action(NewAdminAction(
        actor=actor, action=action, target_type=target_type, target_id=str(target_id),
        reason=clean_reason(reason), detail=detail,
    ))


class AdminLog:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def actions(
        self, *, target_type: str | None = None, target_id: str | None = None, action: str | None = None,
        limit: int = 100, actor: str | None = None, since: datetime | None = None, until: datetime | None = None,
        page: Page | None = None,
    ) -> Sequence[AdminAction]:
        """Newest first, narrowed by target, action, actor and time; ``page`` pages by id."""
        return await self._storage.admin.actions(target_type=target_type, target_id=target_id, action=action,
                                                 limit=limit, actor=actor, since=since, until=until, page=page)

    async def names(self, *, actors: Iterable[str] = (), account_ids: Iterable[str | int] = (),
                    status_ids: Iterable[int] = ()) -> Names:
        return await names(self._storage, actors=actors, account_ids=account_ids, status_ids=status_ids)


SNIPPET = 80


@dataclass(frozen=True, slots=True)
class PostRef:
    """A post as the admin pages name it: its author's handle and the start of its text, never a bare id."""

    status_id: int
    username: str
    snippet: str


@dataclass(frozen=True, slots=True)
class Names:
    """Who and what log entries and lists name: ``user:<id>`` actors and account ids by username, posts by ref."""

    people: Mapping[str, str]
    accounts: Mapping[str, str]
    posts: Mapping[int, PostRef]


async def names(storage: Storage, *, actors: Iterable[str] = (), account_ids: Iterable[str | int] = (),
                status_ids: Iterable[int] = ()) -> Names:
    """The usernames and post refs for the given labels and ids; unknown ones are left out."""
    by_actor = {label: int(label[5:]) for label in actors if label.startswith("user:") and label[5:].isdigit()}
    wanted = {int(i) for i in account_ids if str(i).isdigit()} | set(by_actor.values())
    statuses = await storage.statuses.get_many(sorted(set(status_ids)))
    wanted |= {s.account_id for s in statuses.values()}
    accounts = await storage.accounts.get_many(sorted(wanted))
    posts = {i: PostRef(i, accounts[s.account_id].username, snippet(s.spoiler_text or s.text))
             for i, s in statuses.items() if s.account_id in accounts}
    return Names(
        people={label: accounts[i].username for label, i in by_actor.items() if i in accounts},
        accounts={str(i): a.username for i, a in accounts.items()}, posts=posts,
    )


def snippet(text: str, length: int = SNIPPET) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[:length - 1].rstrip() + "…"
