"""Actor documents: ``/users/{username}``, ``/@{username}`` and the instance actor ``/actor``.

Both account URLs negotiate like Mastodon's: an ActivityPub media type in
``Accept`` gets the actor JSON, anything else the HTML profile (``server.web``):
the inside profile for a signed-in employee's browser, the public one otherwise. A hidden
actor raises the same bare ``NotFound`` as an unknown one, before any
negotiation, so both modes answer identically for both.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from activitypub.actors import instance_actor_document
from federation.actor_documents import actor_document
from server.activitypub.responses import ACTOR_CACHE, activity_response, wants_activity_json
from server.state import app_state
from server.web.pages import profile_page
from server.web.staff import staff_profile

INSTANCE_ACTOR_CACHE: Final = "max-age=600, public"


async def actor(request: Request) -> Response:
    state = app_state(request)
    settings = state.settings
    if not wants_activity_json(request.headers.get("accept")):
        # A signed-in employee's browser gets the inside profile; everyone else what follows.
        inside = await staff_profile(request, request.path_params["username"])
        if inside is not None:
            return inside
    account = await state.services.public_face.exposed_actor(request.path_params["username"])
    if wants_activity_json(request.headers.get("accept")):
        document = actor_document(account, base_url=settings.base_url)
        return activity_response(document, cache=ACTOR_CACHE, headers={"Vary": "Accept"})
    return await profile_page(request, account)


async def instance_actor(request: Request) -> Response:
    state = app_state(request)
    settings = state.settings
    key = await state.services.public_face.instance_actor()
    document = instance_actor_document(
        base_url=settings.base_url, domain=settings.domain, public_key_pem=key.public_key_pem
    )
    return activity_response(document, cache=INSTANCE_ACTOR_CACHE)


def routes() -> list[BaseRoute]:
    return [
        Route("/users/{username}", actor, methods=["GET", "HEAD"]),
        Route("/@{username}", actor, methods=["GET", "HEAD"]),
        Route("/actor", instance_actor, methods=["GET", "HEAD"]),
    ]
