"""The instance endpoints anyone may call: ``/api/v1/instance``, ``/api/v2/instance`` and friends.

They describe the server in Mastodon 4.3's shapes but reveal nothing
internal: stats and usage are zero, registrations are closed, and the
contact is the company account with its public bio only. ``peers``,
``activity`` and ``directory`` answer 404 to everyone, with the very body
an unknown route gets, so they reveal nothing either. (Trends answer staff,
and everyone else an empty list: ``server.mastodon.trends``.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import NotFound
from server.edge.version import VERSION, api_versions
from server.mastodon.auth import require_user
from server.present.entities.account import AccountCounts, account_entity, default_header_url
from server.services.featured_tags import MAX_FEATURED_TAGS
from server.services.profiles import MAX_DISPLAY_NAME, MAX_FIELD_TEXT, MAX_NOTE
from storage.profiles import MAX_FIELDS

if TYPE_CHECKING:
    from server.config import Settings
    from server.state import AppState

MIME_TYPES: Final = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/avif")
ICON_SIZES: Final = (36, 48, 72, 96, 144, 192, 256, 384, 512)
HIDDEN_PATHS: Final = (
    "/api/v1/instance/peers",
    "/api/v1/instance/activity",
    "/api/v1/directory",
)
ALL_METHODS: Final = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
CACHE: Final = {"Cache-Control": "public, max-age=180"}


def streaming_url(base_url: str) -> str:
    return "wss://" + base_url.removeprefix("https://") if base_url.startswith("https://") else (
        "ws://" + base_url.removeprefix("http://")
    )


def limits(settings: Settings) -> dict[str, dict[str, Any]]:
    """The configuration blocks v1 and v2 share."""
    return {
        "statuses": {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23},
        "media_attachments": {
            "supported_mime_types": list(MIME_TYPES),
            "description_limit": 1500,
            "image_size_limit": settings.media.max_image_bytes,
            "image_matrix_limit": settings.media.max_image_pixels,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {
            "max_options": 4,
            "max_characters_per_option": 50,
            "min_expiration": 300,
            "max_expiration": 2629746,
        },
    }


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.insideout
    return state


async def _contact(request: Request) -> dict[str, Any] | None:
    state = _state(request)
    company = await state.services.account_queries.company()
    if company is None:
        return None
    return account_entity(company, base_url=state.settings.base_url, counts=AccountCounts(), outside=True)


async def instance_v2(request: Request) -> Response:
    settings = _state(request).settings
    base = settings.base_url
    vapid = await _state(request).services.vapid.keypair()
    configuration = limits(settings)
    body = {
        "domain": settings.domain,
        "title": settings.organization.name,
        "version": VERSION,
        "source_url": base,
        "description": "",
        "usage": {"users": {"active_month": 0}},
        "thumbnail": {"url": default_header_url(base)},
        "icon": [{"src": f"{base}/avatars/original/missing.png", "size": f"{n}x{n}"} for n in ICON_SIZES],
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": streaming_url(base), "status": None},
            "vapid": {"public_key": vapid.public_b64()},
            "accounts": {
                "max_featured_tags": MAX_FEATURED_TAGS, "max_pinned_statuses": 5,
                "max_display_name_length": MAX_DISPLAY_NAME, "max_note_length": MAX_NOTE,
                "max_profile_fields": MAX_FIELDS, "profile_field_name_limit": MAX_FIELD_TEXT,
                "profile_field_value_limit": MAX_FIELD_TEXT,
            },
            **configuration,
            "translation": {"enabled": False},
        },
        "registrations": {"enabled": False, "approval_required": False, "message": None, "url": None},
        "api_versions": api_versions(),
        "contact": {"email": "", "account": await _contact(request)},
        "rules": [],
    }
    return JSONResponse(body, headers=CACHE)


async def instance_v1(request: Request) -> Response:
    settings = _state(request).settings
    base = settings.base_url
    configuration = limits(settings)
    media = configuration["media_attachments"]
    del media["description_limit"]  # not part of v1
    body = {
        "uri": settings.domain,
        "title": settings.organization.name,
        "short_description": "",
        "description": "",
        "email": "",
        "version": VERSION,
        "urls": {"streaming_api": streaming_url(base)},
        "stats": {"user_count": 0, "status_count": 0, "domain_count": 0},
        "thumbnail": default_header_url(base),
        "languages": ["en"],
        "registrations": False,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": {"accounts": {"max_featured_tags": MAX_FEATURED_TAGS}, **configuration},
        "contact_account": await _contact(request),
        "rules": [],
    }
    return JSONResponse(body, headers=CACHE)


async def rules(request: Request) -> Response:
    return JSONResponse([], headers=CACHE)


async def custom_emojis(request: Request) -> Response:
    """Staff only, like everything not on docs/design.md's short anonymous list; emoji appear outside only in published posts."""
    await require_user(request)
    return JSONResponse([], headers={"Cache-Control": "private, no-store"})


async def translation_languages(request: Request) -> Response:
    """Translation is off (``configuration.translation.enabled`` is false): no language pairs. Staff only."""
    await require_user(request)
    return JSONResponse({}, headers={"Cache-Control": "private, no-store"})


async def hidden(request: Request) -> Response:
    raise NotFound()


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/instance", instance_v1, methods=["GET", "HEAD"]),
        Route("/api/v2/instance", instance_v2, methods=["GET", "HEAD"]),
        Route("/api/v1/instance/rules", rules, methods=["GET", "HEAD"]),
        Route("/api/v1/custom_emojis", custom_emojis, methods=["GET", "HEAD"]),
        Route("/api/v1/instance/translation_languages", translation_languages, methods=["GET", "HEAD"]),
        *(Route(path, hidden, methods=ALL_METHODS) for path in HIDDEN_PATHS),
    ]
