"""Published statuses as outsiders fetch them: the Note, its activity, replies, likes and shares.

Only published statuses answer. A retracted one answers 410 for good; an
internal one answers exactly as a status that never existed.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from activitypub import activities
from activitypub.notes import note_document
from server.activitypub.responses import activity_response, wants_activity_json
from server.state import app_state
from server.web.pages import post_page
from server.web.staff import staff_post
from storage.models import Account, Status

OBJECT_CACHE = "max-age=180, public"


async def _published(request: Request) -> tuple[Status, Account]:
    """Raises ``Gone`` for a retracted status, ``NotFound`` for an internal or missing one."""
    username, ref = request.path_params["username"], request.path_params["ref"]
    return await app_state(request).services.public_face.published_status(username, ref)


async def note(request: Request) -> Response:
    if not wants_activity_json(request.headers.get("accept")):
        # A signed-in employee's browser gets the thread as staff see it; everyone else what follows.
        inside = await staff_post(request, request.path_params["username"], request.path_params["ref"])
        if inside is not None:
            return inside
    status, author = await _published(request)
    document = note_document(await app_state(request).services.boundary.note_for(status, author))
    if wants_activity_json(request.headers.get("accept")):
        return activity_response(document, cache=OBJECT_CACHE, headers={"Vary": "Accept"})
    return await post_page(request, status, author)


async def note_activity(request: Request) -> Response:
    status, author = await _published(request)
    document = note_document(await app_state(request).services.boundary.note_for(status, author))
    create = activities.create(f"{status.uri}/activity", str(document["attributedTo"]), document)
    return activity_response(create, cache=OBJECT_CACHE)


async def replies(request: Request) -> Response:
    """Replies outsiders may know of: published local ones, and public or unlisted ones from outside."""
    status, _ = await _published(request)
    items = await app_state(request).services.public_face.reply_uris(status)
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
    count = await app_state(request).services.public_face.outside_likes(status)
    return _count_collection(f"{status.uri}/likes", count)


async def shares(request: Request) -> Response:
    status, _ = await _published(request)
    outside = await app_state(request).services.public_face.outside_shares(status)
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

