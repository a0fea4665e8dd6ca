"""Public URLs of the media of published statuses: ``/media/public/<public_token>/<name>``.

Internal media live at capability URLs that never leave the server
(docs/design.md, Media). When a status is published, each of its media gets a
*separate* 192-bit ``public_token``; that URL is the one the Note carries.
It works while the status is published and answers 410 once the status is
retracted or deleted, while the capability URL keeps working for staff.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from typing import Final, Literal

from activitypub.errors import Gone, NotFound
from activitypub.notes import OutsideAttachment
from server.media.store import MediaStore
from server.services.media import StoredFile, media_key, open_file
from storage.media import MediaAttachment
from storage.models import PublicationState, Status, StatusEdit
from storage.protocols import Storage

PREFIX: Final = "/media/public/"
_TOKEN: Final = re.compile(r"\A[A-Za-z0-9_-]{32}\Z")
_NAME: Final = re.compile(r"\A(original|small)\.(jpg|png|gif|webp)\Z")
PublicState = Literal["live", "gone"]


def public_media_url(base_url: str, media: MediaAttachment) -> str | None:
    if not media.public_token or not media.file_name:
        return None
    return f"{base_url}{PREFIX}{media.public_token}/{media.file_name}"


def public_state(media: MediaAttachment | None, status: Status | None) -> PublicState | None:
    """'live' while its status is published, 'gone' after; None when there never was such a public URL."""
    if media is None or not media.public_token:
        return None
    if status is None or status.deleted_at is not None or status.publication_state is not PublicationState.PUBLISHED:
        return "gone"  # retracted, deleted, or the medium was taken off the status
    return "live"


async def public_media(storage: Storage, token: str) -> tuple[MediaAttachment, PublicState] | None:
    if not _TOKEN.match(token):
        return None
    media = await storage.media.get_by_public_token(token)
    status = await storage.statuses.get(media.status_id) if media and media.status_id else None
    state = public_state(media, status)
    return (media, state) if media is not None and state is not None else None


async def assign_public_tokens(storage: Storage, status_id: int) -> None:
    """Give every medium of a status being published its public URL (kept across later publications)."""
    for media in (await storage.media.for_statuses([status_id])).get(status_id, ()):
        if media.public_token is None and media.file_name:
            await storage.media.set_public_token(media.id, secrets.token_urlsafe(24))


async def outside_attachments(
    storage: Storage, base_url: str, status_id: int, revision: StatusEdit | None = None
) -> list[OutsideAttachment]:
    """The Note's ``attachment``: public URLs only, never a capability URL.

    With the approved ``revision``, only its media, in its order and with its descriptions: an edit's new alt
    text waits for review as its text does. (A revision recorded before revisions kept media shows them as they are.)
    """
    found = []
    for media in _as_approved(list((await storage.media.for_statuses([status_id])).get(status_id, ())), revision):
        url = public_media_url(base_url, media)
        if url is None:
            continue
        original = media.meta.get("original")
        size = original if isinstance(original, dict) else {}
        found.append(OutsideAttachment(
            url=url, media_type=media.mime_type or "application/octet-stream", description=media.description,
            blurhash=media.blurhash, width=size.get("width"), height=size.get("height"),
            focal_point=(media.focus_x, media.focus_y),
        ))
    return found


def _as_approved(current: list[MediaAttachment], revision: StatusEdit | None) -> list[MediaAttachment]:
    if revision is None or revision.media is None:
        return current
    by_id = {media.id: media for media in current}
    return [replace(by_id[media_id], description=description)
            for media_id, description in revision.media if media_id in by_id]


class PublicMedia:
    def __init__(self, storage: Storage, store: MediaStore) -> None:
        self._storage = storage
        self._store = store

    async def file(self, token: str, name: str) -> StoredFile:
        found = await public_media(self._storage, token)
        if found is None or not _NAME.match(name):
            raise NotFound()
        media, state = found
        if name not in (media.file_name, media.thumbnail_name) or not media.capability_token:
            raise NotFound()
        if state == "gone":
            raise Gone("This media was retracted")
        # The same object as the capability URL's: the public token only decides who may read it.
        return await open_file(self._store, media_key(media.capability_token, name))
