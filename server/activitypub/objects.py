"""Published statuses as outsiders fetch them: the Note, its activity, replies, likes and shares.

Only published statuses answer. A retracted one answers 410 for good; an
internal one answers exactly as a status that never existed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from activitypub import activities
from activitypub.errors import Gone, NotFound
from activitypub.notes import note_document
from activitypub.uris import Uris
from server.activitypub.responses import activity_response, wants_activity_json
from server.web.pages import post_page
from server.web.public_posts import PUBLIC_REPLY_VISIBILITIES
from storage.models import Account, PublicationState, Status

if TYPE_CHECKING:
    from server.state import AppState

OBJECT_CACHE = "max-age=180, public"


def _state(request: Request) -> AppState:
    app_state: AppState = request.app.state.insideout
    return app_state


async def _published(request: Request) -> tuple[Status, Account]:
    app = _state(request)
    boundary = app.services.boundary
    base = app.settings.base_url
    uri = Uris.of(base).status(request.path_params["username"], request.path_params["ref"])
    status = await boundary.outside_status(uri)
    if status is None:
        if await boundary.retracted_status(uri) is not None:
            raise Gone()
        raise NotFound()
    author = await app.storage.accounts.get(status.account_id)
    if author is None or author.username.lower() != str(request.path_params["username"]).lower():
        raise NotFound()
    return status, author


async def note(request: Request) -> Response:
    status, author = await _published(request)
    document = note_document(await _state(request).services.boundary.note_for(status, author))
    if wants_activity_json(request.headers.get("accept")):
        return activity_response(document, cache=OBJECT_CACHE, headers={"Vary": "Accept"})
    return await post_page(request, status, author)


async def note_activity(request: Request) -> Response:
    status, author = await _published(request)
    document = note_document(await _state(request).services.boundary.note_for(status, author))
    create = activities.create(f"{status.uri}/activity", str(document["attributedTo"]), document)
    return activity_response(create, cache=OBJECT_CACHE)


async def replies(request: Request) -> Response:
    """Replies outsiders may know of: published local ones, and public or unlisted ones from outside."""
    status, _ = await _published(request)
    storage = _state(request).storage
    thread = await storage.statuses.thread(status.thread_id)
    items = [
        reply.uri for reply in thread
        if reply.in_reply_to_id == status.id and reply.deleted_at is None and reply.uri
        and (reply.publication_state is PublicationState.PUBLISHED if reply.local
             else reply.visibility in PUBLIC_REPLY_VISIBILITIES)
    ]
    collection = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{status.uri}/replies",
        "type": "Collection",
        "totalItems": len(items),
        "first": {"type": "CollectionPage", "partOf": f"{status.uri}/replies", "items": items},
    }
    return activity_response(collection, cache=OBJECT_CACHE)


async def likes(request: Request) -> Response:
    status, _ = await _published(request)
    count = (await _state(request).storage.interactions.interactors([status.id])).get(status.id, 0)
    return _count_collection(f"{status.uri}/likes", count)


async def shares(request: Request) -> Response:
    status, _ = await _published(request)
    boosts = await _state(request).storage.statuses.reblogs_of(status.id)
    outside = 0
    for boost in boosts:
        booster = await _state(request).storage.accounts.get(boost.account_id)
        outside += booster is not None and not booster.is_local
    return _count_collection(f"{status.uri}/shares", outside)


def _count_collection(collection_id: str, count: int) -> Response:
    """Counts of outside activity only: inside favourites and boosts are nobody's business outside."""
    return activity_response(
        {"@context": "https://www.w3.org/ns/activitystreams", "id": collection_id, "type": "Collection",
         "totalItems": count},
        cache=OBJECT_CACHE,
    )


def routes() -> list[BaseRoute]:
    base = "/users/{username}/statuses/{ref}"
    return [
        Route(base, note, methods=["GET", "HEAD"]),
        Route(base + "/activity", note_activity, methods=["GET"]),
        Route(base + "/replies", replies, methods=["GET"]),
        Route(base + "/likes", likes, methods=["GET"]),
        Route(base + "/shares", shares, methods=["GET"]),
        Route("/@{username}/{ref}", note, methods=["GET", "HEAD"]),
    ]

