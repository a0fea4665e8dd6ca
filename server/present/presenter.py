"""Turn storage records into Mastodon entities, loading what they need in batches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from activitypub.uris import Uris
from server.config import Settings
from server.edge.dates import format_datetime
from server.present.attached import load_attached
from server.present.entities.account import AccountCounts, AccountSource, account_entity
from server.present.entities.card import card_entity
from server.present.entities.status import StatusContext, status_entity
from server.present.filtering import FilterSet, hides
from server.services.attached_reads import AttachedReads
from server.services.conversations import ConversationDetail
from server.services.reach import ReachRecorder
from server.services.remote_media import ProxyUrls
from storage.clock import utcnow
from storage.models import Account, Notification, Status
from storage.notification_groups import shown_group_key
from storage.protocols import Storage

Entity = dict[str, Any]


class Presenter:
    def __init__(self, storage: Storage, settings: Settings, reach: ReachRecorder | None = None) -> None:
        self._storage = storage
        # Every status this renders for a viewer was shown to them: their reach (server.services.reach).
        self.reach = reach
        self._base_url = settings.base_url
        self._proxy_urls = ProxyUrls(storage, settings.base_url)
        self._attached = AttachedReads(storage)

    async def account(self, account: Account, *, source: AccountSource | None = None) -> Entity:
        return (await self.accounts([account], source=source))[0]

    async def avatar_static(self, account: Account) -> str:
        """The avatar a Web Push notification shows (``server.services.push.SenderIcon``)."""
        return str((await self.account(account)).get("avatar_static") or "")

    def _file_url(self, path: str | None, proxied: Mapping[str, str]) -> str | None:
        """Our stored avatars and headers are served under ``/system/``; remote ones through our media proxy."""
        if not path:
            return None
        return proxied.get(path) if path.startswith(("https://", "http://")) else Uris.of(self._base_url).system(path)

    async def accounts(self, accounts: Sequence[Account], *, source: AccountSource | None = None) -> list[Entity]:
        """Entities for ``accounts`` with two queries in all, however many there are."""
        ids = list({account.id for account in accounts})
        stats = await self._storage.accounts.stats(ids)
        profiles = await self._storage.profiles.get_many(ids)
        proxied = await self._proxy_urls.for_urls(
            [path for a in accounts for path in (a.avatar_path, a.header_path) if path and not a.is_local]
        )
        entities = []
        for account in accounts:
            counted = stats.get(account.id)
            counts = AccountCounts(
                followers=counted.followers, following=counted.following, statuses=counted.statuses,
                last_status_at=counted.last_status_at,
            ) if counted else AccountCounts()
            entities.append(account_entity(
                account, base_url=self._base_url, counts=counts, source=source, profile=profiles.get(account.id),
                avatar_url=self._file_url(account.avatar_path, proxied),
                header_url=self._file_url(account.header_path, proxied),
            ))
        return entities

    async def status(self, status: Status, viewer: Account | None) -> Entity:
        return (await self.statuses([status], viewer))[0]

    async def statuses(
        self, statuses: Sequence[Status], viewer: Account | None, *, context: str | None = None
    ) -> list[Entity]:
        """``context`` (home, notifications, public, thread, account) applies the viewer's filters there:
        ``filtered`` is filled, and statuses a ``hide`` filter matches are left out."""
        originals = await self._storage.statuses.get_many(
            [s.reblog_of_id for s in statuses if s.reblog_of_id is not None]
        )
        everything = [*statuses, *originals.values()]
        ids = [s.id for s in everything]
        mentions = await self._storage.statuses.mention_ids(ids)
        accounts = await self._storage.accounts.get_many(
            list({s.account_id for s in everything} | {a for m in mentions.values() for a in m})
        )
        authors = [accounts[i] for i in {s.account_id for s in everything} if i in accounts]
        account_entities = {a.id: entity for a, entity in zip(authors, await self.accounts(authors))}
        tags = await self._storage.statuses.tags(ids)
        counts = await self._storage.statuses.counts(ids)
        flags = await self._storage.interactions.flags(viewer.id, ids) if viewer else None
        applications = await self._applications({s.application_id for s in everything if s.application_id})
        filters = await self._filters(viewer, context)
        attached = await load_attached(self._attached, self._base_url, everything, viewer.id if viewer else None)
        cards = await self._storage.cards.for_statuses(ids)

        def render(status: Status, reblog: Entity | None) -> Entity:
            context = StatusContext(
                account=account_entities[status.account_id],
                mentions=[accounts[a] for a in mentions.get(status.id, []) if a in accounts],
                tags=tags.get(status.id, []),
                counts=counts.get(status.id, (0, 0, 0)),
                application=applications.get(status.application_id) if status.application_id else None,
                reblog=reblog,
                media_attachments=attached.media.get(status.id, ()),
                poll=attached.polls.get(status.id),
                card=card_entity(cards[status.id], base_url=self._base_url) if status.id in cards else None,
                filtered=filters.match(originals.get(status.reblog_of_id or 0, status)),
            )
            return status_entity(status, accounts[status.account_id], context, base_url=self._base_url,
                                 flags=flags, viewer_id=viewer.id if viewer else None)

        result = []
        shown: list[Status] = []
        for status in statuses:
            original = originals.get(status.reblog_of_id) if status.reblog_of_id else None
            entity = render(status, render(original, None) if original else None)
            if context is None or not hides(entity["filtered"]):
                result.append(entity)
                shown.extend((status, original) if original else (status,))
        if self.reach is not None:
            self.reach.seen(viewer, shown)
        return result

    async def shown_with_originals(self, statuses: Sequence[Status]) -> list[Status]:
        """``statuses`` and the originals of the boosts among them: what a viewer shown them has seen."""
        originals = await self._storage.statuses.get_many(
            [s.reblog_of_id for s in statuses if s.reblog_of_id is not None])
        return [*statuses, *originals.values()]

    async def _filters(self, viewer: Account | None, context: str | None) -> FilterSet:
        if viewer is None or context is None:
            return FilterSet()
        return FilterSet(await self._storage.filters.active(viewer.id, context, utcnow()))

    async def notifications(self, notifications: Sequence[Notification], viewer: Account) -> list[Entity]:
        statuses = await self._storage.statuses.get_many([n.status_id for n in notifications if n.status_id])
        shown = await self.statuses(list(statuses.values()), viewer, context="notifications")
        rendered = {int(entity["id"]): entity for entity in shown}
        senders = await self._storage.accounts.get_many(list({n.from_account_id for n in notifications}))
        sender_entities = {a.id: e for a, e in zip(senders.values(), await self.accounts(list(senders.values())))}
        result = []
        for notification in notifications:
            sender = senders.get(notification.from_account_id)
            if sender is None or (notification.status_id and notification.status_id not in rendered):
                continue  # a gone sender, or a status the viewer's filters hide
            result.append({
                "id": str(notification.id),
                "type": notification.type,
                "created_at": format_datetime(notification.created_at),
                "group_key": shown_group_key(notification.id, notification.type, notification.group_key),
                "account": sender_entities[sender.id],
                "status": rendered.get(notification.status_id) if notification.status_id else None,
            })
        return result

    async def conversations(self, details: Sequence[ConversationDetail], viewer: Account) -> list[Entity]:
        """Mastodon's Conversation entity; ``last_status`` as ``viewer`` sees it (its flags, its filters)."""
        rendered = await self.statuses([d.last_status for d in details if d.last_status], viewer)
        by_id = {int(entity["id"]): entity for entity in rendered}
        return [{
            "id": str(detail.conversation.id),
            "unread": detail.conversation.unread,
            "accounts": await self.accounts(detail.participants),
            "last_status": by_id.get(detail.conversation.last_status_id),
        } for detail in details]

    async def _applications(self, application_ids: set[int]) -> Mapping[int, Entity]:
        found: dict[int, Entity] = {}
        for application_id in application_ids:
            application = await self._storage.oauth.get_application(application_id)
            if application is not None:
                found[application_id] = {"name": application.name, "website": application.website}
        return found


