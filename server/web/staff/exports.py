"""``/settings/export``: a person downloads their own data, and only their own.

* ``posts.json``: their posts of every visibility (boosts left out: those
  are other people's posts), as the API's Status entities, oldest page
  last, newest first;
* ``following_accounts.csv``: whom they follow, in Mastodon's export shape
  (``Account address,Show boosts,Notify on new posts,Languages``);
* ``bookmarks.csv``: one status URI a line, as Mastodon's, of the bookmarks
  they can still see;
* ``media.zip``: the originals of the images they uploaded, with
  ``media.json`` listing each file's id, description, the post it belongs
  to and its upload time. An upload whose object the store does not hold
  is listed with ``"missing": true`` (and ``"file": null``), one the store
  failed to give while the ZIP was being sent with ``"unavailable": true``;
  a store that does not answer before the first byte is a 503 page.

Each is streamed a page at a time from the services (``PAGE`` rows), so
memory stays bounded however much there is; the ZIP holds one file in
memory at a time.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Final

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from activitypub.errors import MediaStoreUnavailable
from server.state import app_state as state
from server.web.staff.gate import HEADERS, Person, page
from storage.models import Page, StatusFilter

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

PAGE: Final = 40
FOLLOWING_HEADER: Final = ("Account address", "Show boosts", "Notify on new posts", "Languages")


async def index(request: Request, person: Person) -> Response:
    return page(request, "settings_export.html", person=person)


def _download(body: AsyncIterator[bytes], name: str, media_type: str) -> Response:
    headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(body, media_type=media_type, headers=headers)


def _name(person: Person, what: str) -> str:
    return f"{person.account.username}-{what}"


async def posts(request: Request, person: Person) -> Response:
    return _download(_posts(request, person), _name(person, "posts.json"), "application/json")


async def _posts(request: Request, person: Person) -> AsyncIterator[bytes]:
    app = state(request)
    where = StatusFilter(exclude_reblogs=True)
    max_id: int | None = None
    first = True
    yield b"["
    while True:
        ids = await app.services.timelines.statuses(person.reader, Page(limit=PAGE, max_id=max_id), where,
                                                    account_id=person.account.id)
        if not ids:
            break
        statuses = [s for s in await app.services.timelines.in_order(ids) if s.account_id == person.account.id]
        for entity in await app.presenter.statuses(statuses, person.account):
            yield (b"\n" if first else b",\n") + json.dumps(entity, ensure_ascii=False).encode()
            first = False
        max_id = min(ids)
    yield b"\n]\n"


def _csv_line(*values: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue().encode()


async def following(request: Request, person: Person) -> Response:
    return _download(_following(request, person), _name(person, "following_accounts.csv"), "text/csv")


async def _following(request: Request, person: Person) -> AsyncIterator[bytes]:
    app = state(request)
    yield _csv_line(*FOLLOWING_HEADER)
    max_id: int | None = None
    while True:
        rows = await app.services.account_queries.following(person.account, Page(limit=PAGE, max_id=max_id))
        if not rows:
            break
        for follow, account in rows:
            address = f"{account.username}@{account.domain or app.settings.domain}"
            yield _csv_line(address, _flag(follow.show_reblogs), _flag(follow.notify), "")
        max_id = min(follow.id for follow, _ in rows)


def _flag(value: bool) -> str:
    return "true" if value else "false"


async def bookmarks(request: Request, person: Person) -> Response:
    return _download(_bookmarks(request, person), _name(person, "bookmarks.csv"), "text/csv")


async def _bookmarks(request: Request, person: Person) -> AsyncIterator[bytes]:
    app = state(request)
    max_id: int | None = None
    while True:
        listed = await app.services.timelines.listed("bookmark", person.reader, Page(limit=PAGE, max_id=max_id))
        if not listed.cursor_ids:
            break
        for entity in await app.presenter.statuses(listed.statuses, person.account):
            yield _csv_line(str(entity["uri"]))
        max_id = min(listed.cursor_ids)


async def media(request: Request, person: Person) -> Response:
    # Every upload's object is asked for before the first byte: a store that does not answer is the
    # 503 page here, not a ZIP cut short under a 200.
    service = state(request).services.media
    missing: set[int] = set()
    max_id: int | None = None
    while uploads := await service.uploads(person.account, Page(limit=PAGE, max_id=max_id)):
        missing.update(await service.missing_originals(uploads))
        max_id = min(u.id for u in uploads)
    return _download(_media(request, person, frozenset(missing)), _name(person, "media.zip"), "application/zip")


class _Chunks(io.RawIOBase):
    """A write-only, unseekable sink the ZIP writer fills; what it holds is handed on and dropped."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        return len(chunk)

    def take(self) -> bytes:
        taken, self._parts = b"".join(self._parts), []
        return taken


async def _media(request: Request, person: Person, missing: frozenset[int]) -> AsyncIterator[bytes]:
    service = state(request).services.media
    sink = _Chunks()
    listing: list[dict[str, object]] = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        max_id: int | None = None
        while uploads := await service.uploads(person.account, Page(limit=PAGE, max_id=max_id)):
            for upload in uploads:
                entry: dict[str, object] = {
                    "id": str(upload.id), "file": None, "type": upload.mime_type, "description": upload.description,
                    "status_id": str(upload.status_id) if upload.status_id is not None else None,
                    "created_at": upload.created_at.isoformat(),
                }
                listing.append(entry)
                try:
                    stored = None if upload.id in missing else await service.original(upload)
                except MediaStoreUnavailable:  # failed since the check: the ZIP stays whole, and says so
                    entry["unavailable"] = True
                    continue
                if stored is None:  # the store has no such object: listed, never silently left out
                    entry["missing"] = True
                    continue
                name = f"media/{upload.id}.{stored.extension}"
                archive.writestr(name, stored.data)
                entry.update(file=name, type=stored.media_type)
                yield sink.take()
            max_id = min(u.id for u in uploads)
        archive.writestr("media.json", json.dumps(listing, ensure_ascii=False, indent=1))
    yield sink.take()
