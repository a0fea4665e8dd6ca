"""An actor's public collections: outbox, followers, following, featured posts and tags.

Shaped like Mastodon's (a collection with ``totalItems`` and a ``first``
page link; pages by ``?page=true`` and ``max_id``), but counting only what
``server.services.outside_collections`` lets outsiders see. An unknown or hidden
actor answers the same 404 on every one of these routes.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from activitypub.context import AS_CONTEXT, note_context
from activitypub.uris import Uris, actor_id
from server.activitypub.responses import COLLECTION_CACHE, activity_response
from server.services.outside_collections import Direction
from server.state import app_state

FOLLOWS_PER_PAGE: Final = 12
OUTBOX_PER_PAGE: Final = 20


async def outbox(request: Request) -> Response:
    state = app_state(request)
    account = await state.services.public_face.exposed_actor(request.path_params["username"])
    posts = state.services.public_face.collections.posts
    uri = f"{actor_id(state.settings.base_url, account.username)}/outbox"
    if request.query_params.get("page") != "true":
        document = {
            "@context": AS_CONTEXT,
            "id": uri,
            "type": "OrderedCollection",
            "totalItems": await posts.count(account.id),
            "first": f"{uri}?page=true",
        }
        return activity_response(document, cache=COLLECTION_CACHE)
    max_id = _int_param(request, "max_id")
    page = await posts.page(account.id, max_id=max_id, limit=OUTBOX_PER_PAGE)
    document = {
        "@context": note_context(),
        "id": f"{uri}?page=true" if max_id is None else f"{uri}?max_id={max_id}&page=true",
        "type": "OrderedCollectionPage",
        "partOf": uri,
        "orderedItems": [dict(item) for item in page.items],
    }
    if page.next_max_id is not None:
        document["next"] = f"{uri}?max_id={page.next_max_id}&page=true"
    return activity_response(document, cache=COLLECTION_CACHE)


async def followers(request: Request) -> Response:
    return await _relationships(request, "followers")


async def following(request: Request) -> Response:
    return await _relationships(request, "following")


async def _relationships(request: Request, direction: Direction) -> Response:
    state = app_state(request)
    account = await state.services.public_face.exposed_actor(request.path_params["username"])
    relationships = state.services.public_face.collections.relationships
    uri = f"{actor_id(state.settings.base_url, account.username)}/{direction}"
    total = await relationships.count(account.id, direction)
    if request.query_params.get("page") != "true":
        document = {
            "@context": AS_CONTEXT,
            "id": uri,
            "type": "OrderedCollection",
            "totalItems": total,
            "first": f"{uri}?page=true",
        }
        return activity_response(document, cache=COLLECTION_CACHE)
    max_id = _int_param(request, "max_id")
    page = await relationships.page(account.id, direction, max_id=max_id, limit=FOLLOWS_PER_PAGE)
    document = {
        "@context": AS_CONTEXT,
        "id": f"{uri}?page=true" if max_id is None else f"{uri}?max_id={max_id}&page=true",
        "type": "OrderedCollectionPage",
        "totalItems": total,
        "partOf": uri,
        "orderedItems": list(page.items),
    }
    if page.next_max_id is not None:
        document["next"] = f"{uri}?max_id={page.next_max_id}&page=true"
    return activity_response(document, cache=COLLECTION_CACHE)


async def featured(request: Request) -> Response:
    """Pinned posts: none can be pinned yet, so always empty."""
    state = app_state(request)
    account = await state.services.public_face.exposed_actor(request.path_params["username"])
    uri = f"{actor_id(state.settings.base_url, account.username)}/collections/featured"
    return activity_response(_empty(uri, ordered=True), cache=COLLECTION_CACHE)


async def featured_tags(request: Request) -> Response:
    state = app_state(request)
    account = await state.services.public_face.exposed_actor(request.path_params["username"])
    uri = f"{actor_id(state.settings.base_url, account.username)}/collections/tags"
    return activity_response(_empty(uri, ordered=False), cache=COLLECTION_CACHE)


async def instance_outbox(request: Request) -> Response:
    """The instance actor never posts; Mastodon answers its outbox with an empty collection."""
    base_url = request.app.state.insideout.settings.base_url
    return activity_response(_empty(f"{Uris.of(base_url).instance_actor}/outbox", ordered=True), cache=COLLECTION_CACHE)


def _empty(uri: str, *, ordered: bool) -> dict[str, Any]:
    items_key = "orderedItems" if ordered else "items"
    kind = "OrderedCollection" if ordered else "Collection"
    return {"@context": AS_CONTEXT, "id": uri, "type": kind, "totalItems": 0, items_key: []}


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def routes() -> list[BaseRoute]:
    methods = ["GET", "HEAD"]
    return [
        Route("/users/{username}/outbox", outbox, methods=methods),
        Route("/users/{username}/followers", followers, methods=methods),
        Route("/users/{username}/following", following, methods=methods),
        Route("/users/{username}/collections/featured", featured, methods=methods),
        Route("/users/{username}/collections/tags", featured_tags, methods=methods),
        Route("/actor/outbox", instance_outbox, methods=methods),
    ]
