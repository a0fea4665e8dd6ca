"""The one rule of what outsiders can see, used by every outbound path and every outside view.

An outsider is anyone without a staff token: anonymous requests, remote
servers, app-only tokens. Outsiders see published statuses (their approved
revision), exposed actors, public media of published statuses, and
nothing else. Callers that find a hidden object answer exactly as for a
missing one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from activitypub.content import display_hashtag, normalize_hashtag
from activitypub.errors import InvalidInput, NotFound
from activitypub.notes import OutsideMention, PublishedNote
from activitypub.uris import Uris
from federation.actor_documents import is_exposed
from server.services.nomination_tag import strip_hashtag
from server.services.public_media import outside_attachments, public_media
from storage.models import Account, PublicationState, Status, Visibility
from storage.protocols import Storage

PUBLIC_STATUS_PARTS = frozenset({"", "/replies", "/likes", "/shares", "/activity"})
HASHTAG_LINK = re.compile(r'class="mention hashtag" rel="tag">#<span>(?P<name>[^<]*)</span>')
MENTION_LINK = re.compile(r'<span class="h-card"[^>]*><a href="(?P<href>[^"]+)" class="u-url mention">@<span>'
                          r'(?P<name>[^<]*)</span></a></span>')


def status_ref(status_id: int, epoch: int) -> str:
    """The id part of a published URI; a new epoch after retraction mints a new URI."""
    return str(status_id) if epoch <= 1 else f"{status_id}-{epoch}"


def published_uri(base_url: str, author: Account, status_id: int, epoch: int) -> str:
    return Uris.of(base_url).status(author.username, status_ref(status_id, epoch))


class Boundary:
    def __init__(self, storage: Storage, base_url: str, *, hidden_hashtag: str | None = None) -> None:
        """``hidden_hashtag``: the nomination hashtag, left out of published Notes (None keeps it)."""
        self._storage = storage
        self._base = base_url.rstrip("/")
        self._uris = Uris.of(base_url)
        self._hidden_tag = hidden_hashtag.casefold() if hidden_hashtag else None

    async def outside_status(self, uri: str) -> Status | None:
        """The published status with this URI, or None: internal, retracted and missing all look alike."""
        status = await self._storage.statuses.get_by_uri(uri)
        if status is None or status.deleted_at is not None or not status.local:
            return None
        return status if status.publication_state is PublicationState.PUBLISHED else None

    async def retracted_status(self, uri: str) -> Status | None:
        status = await self._storage.statuses.get_by_uri(uri)
        if status is None:
            return await self._earlier_epoch(uri)
        if not status.local:
            return None
        was_public = status.publication_state is PublicationState.RETRACTED or status.deleted_at is not None
        return status if was_public and status.published_at is not None else None

    async def _earlier_epoch(self, uri: str) -> Status | None:
        """The status whose URI this was before it was retracted and published again: Gone for good.

        A status only carries its current URI, so older ones are recognised by
        their shape: only refs that were really minted (``<id>`` for epoch 1,
        ``<id>-<n>`` for n >= 2) and only epochs before the current one.
        """
        found = self._uris.parse_status(uri)
        if found is None or found.rest or uri != self._uris.status(found.username, found.ref):
            return None
        status_id, _, epoch_text = found.ref.partition("-")
        epoch = int(epoch_text) if epoch_text else 1
        if (epoch_text and epoch < 2) or len(status_id) > 19:  # never minted, or beyond a 64-bit id
            return None
        status = await self._storage.statuses.get(int(status_id))
        if status is None or not status.local or not 1 <= epoch < status.publication_epoch:
            return None
        author = await self._storage.accounts.get(status.account_id)
        return status if author is not None and author.username == found.username else None

    async def is_public_url(self, url: str) -> bool:
        """For the delivery guard: may this local URL be named outside right now?"""
        parts = urlsplit(url)
        if parts.path.startswith("/tags/") and not parts.query:
            return True
        found = self._uris.parse_status(url)
        if found is None or found.rest not in PUBLIC_STATUS_PARTS:
            return await self._is_public_media(parts.path)
        return await self.outside_status(self._uris.status(found.username, found.ref)) is not None

    async def was_public_url(self, url: str) -> bool:
        found = self._uris.parse_status(url)
        if found is None:
            return False
        base_uri = self._uris.status(found.username, found.ref)
        return await self.outside_status(base_uri) is not None or await self.retracted_status(base_uri) is not None

    async def _is_public_media(self, path: str) -> bool:
        if path.startswith("/system/"):
            # Avatars and headers of exposed actors are as public as the actors themselves.
            owner = await self._storage.accounts.get_by_media_path(path[len("/system/"):])
            return owner is not None and is_exposed(owner)
        if not path.startswith("/media/public/"):
            return False
        found = await public_media(self._storage, path[len("/media/public/"):].split("/", 1)[0])
        return found is not None and found[1] == "live"

    async def check_publishable(self, status: Status) -> None:
        if status.visibility not in (Visibility.PUBLIC, Visibility.UNLISTED):
            raise InvalidInput("Only public or unlisted posts can be published")
        if status.reblog_of_id is not None or not status.local:
            raise InvalidInput("Only original local posts can be published")
        if status.deleted_at is not None:
            raise InvalidInput("A deleted post cannot be published")
        hidden = [a.username for a in await self._mentioned(status) if a.is_local and not is_exposed(a)]
        if hidden:
            raise InvalidInput(
                "The post mentions accounts that are not visible outside (" + ", ".join(f"@{u}" for u in hidden)
                + "); expose them or edit the post first"
            )

    async def _mentioned(self, status: Status) -> Sequence[Account]:
        ids = (await self._storage.statuses.mention_ids([status.id])).get(status.id, [])
        return [a for a in [await self._storage.accounts.get(i) for i in ids] if a is not None]

    async def _approved_references(self, status: Status, approved: str, pending: bool) -> tuple[
            Sequence[Account], list[tuple[str, str]]]:
        """Mentions and hashtags (display name, normalised name) of the approved revision.

        Stored mentions and tags follow the latest revision. While a newer one is pending review they
        are its references (a hidden colleague, say, or a secret hashtag), so the approved revision's
        are read from its own links instead: mentions of accounts we know, hashtags by their text.
        """
        if not pending:
            tags = (await self._storage.statuses.tags([status.id])).get(status.id, [])
            return await self._mentioned(status), [(t.display_name, t.name) for t in tags]
        known = {self._profile_url(a): a for a in await self._mentioned(status)}
        mentioned: list[Account] = []
        for href in dict.fromkeys(html.unescape(m.group("href")) for m in MENTION_LINK.finditer(approved)):
            account = known.get(href) or await self._linked_account(href)
            if account is not None:
                mentioned.append(account)
        names = dict.fromkeys(html.unescape(m.group("name")) for m in HASHTAG_LINK.finditer(approved))
        return mentioned, [(display_hashtag(name), normalize_hashtag(name)) for name in names]

    async def _linked_account(self, href: str) -> Account | None:
        username = self._uris.parse_profile_page(href)
        if username is not None:
            return await self._storage.accounts.get_local(username)
        return await self._storage.accounts.get_by_uri(href)

    def _profile_url(self, account: Account) -> str:
        """Where a mention of the account links in rendered content (as ``StatusService`` renders it)."""
        return self._uris.profile_page(account.username) if account.is_local else (account.url or account.uri or "")

    async def note_for(self, status: Status, author: Account) -> PublishedNote:
        """The Note of the approved revision, with only outside-visible references."""
        if status.uri is None:
            raise NotFound(detail=f"status {status.id} is not published, so it has no Note")
        edit = await self._storage.statuses.get_edit(status.published_edit_id) if status.published_edit_id else None
        approved = content = edit.content if edit else status.content
        if self._hidden_tag:
            content = strip_hashtag(content, self._hidden_tag)
        edits = await self._storage.statuses.edits(status.id)
        pending = edit is not None and bool(edits) and edit.id != edits[-1].id
        accounts, tags = await self._approved_references(status, approved, pending)
        mentions = [OutsideMention(self._actor_uri(a), f"@{a.acct}" if not a.is_local else f"@{a.username}@"
                                   f"{urlsplit(self._base).netloc}") for a in accounts]
        in_reply_to, conversation = await self._thread_links(status)
        updated = edit.created_at if edit and edits and edit.id != edits[0].id else None
        return PublishedNote(
            uri=status.uri, url=self._uris.status_page(author.username, status_ref(status.id, status.publication_epoch)),
            author_uri=self._uris.actor(author.username),
            author_followers=self._uris.actor_part(author.username, "followers"),
            content=content, summary=(edit.spoiler_text if edit else status.spoiler_text) or None,
            sensitive=edit.sensitive if edit else status.sensitive, language=status.language,
            published=status.published_at or status.created_at, updated=updated,
            unlisted=status.visibility is Visibility.UNLISTED, in_reply_to=in_reply_to, conversation=conversation,
            mentions=mentions, hashtags=[(display, self._uris.tag(name)) for display, name in tags
                                         if name.casefold() != self._hidden_tag],
            attachments=await outside_attachments(self._storage, self._base, status.id, edit),
        )

    def _actor_uri(self, account: Account) -> str:
        return self._uris.actor(account.username) if account.is_local else (account.uri or "")

    async def _thread_links(self, status: Status) -> tuple[str | None, str | None]:
        """``inReplyTo`` names only a published or remote parent; context comes from the first published ancestor."""
        parent = await self._storage.statuses.get(status.in_reply_to_id) if status.in_reply_to_id else None
        in_reply_to = None
        if parent is not None and not parent.local:
            in_reply_to = parent.uri
        elif parent is not None and parent.publication_state is PublicationState.PUBLISHED:
            in_reply_to = parent.uri
        elif status.in_reply_to_uri:
            in_reply_to = status.in_reply_to_uri
        root = status
        while root.in_reply_to_id is not None:
            ancestor = await self._storage.statuses.get(root.in_reply_to_id)
            if ancestor is None:
                break
            root = ancestor
            if root.publication_state is PublicationState.PUBLISHED or not root.local:
                break
        anchor = root if (root.publication_state is PublicationState.PUBLISHED or not root.local) else status
        conversation = f"{anchor.uri}#conversation" if anchor.uri else None
        return in_reply_to, conversation
