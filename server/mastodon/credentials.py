"""The signed-in account itself: ``verify_credentials``, ``update_credentials`` and profile images.

``note`` is the internal bio; ``public_note`` (an Insideout extension, also
read as ``source[public_note]``) is the only bio outsiders see. The owner
gets both back in ``source``.

Through a token acting as the company or a department, every change here
is the organisation's profile and settings: only an admin may make it (403
for anyone else, before the body is even read), and it is audited. The rule
and the audit live in ``ProfileService``, which the admin API uses too.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput, PayloadTooLarge
from server.edge.params import Params, read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import state
from server.present.entities.account import AccountSource
from server.services.identities import require_settings_right
from server.services.profiles import IMAGE_LIMIT, OwnProfile, ProfileUpdate
from storage.models import Role, Visibility
from storage.profiles import ProfileField, SettingsChanges

_ROLES: Final[dict[Role, dict[str, Any]]] = {
    Role.STAFF: {"id": "-99", "name": "", "permissions": "0", "color": "", "highlighted": False},
    Role.PUBLISHER: {"id": "2", "name": "Publisher", "permissions": "0", "color": "", "highlighted": True},
    Role.ADMIN: {"id": "3", "name": "Admin", "permissions": "1", "color": "", "highlighted": True},
}
LANGUAGE_LENGTH: Final = range(2, 4)
PRIVACY_VALUES: Final = ("public", "unlisted", "private")


async def own_entity(request: Request, viewer: Viewer, own: OwnProfile) -> dict[str, Any]:
    """Mastodon's CredentialAccount: the Account plus ``source`` and ``role``."""
    app = state(request)
    preferences = own.preferences
    source = AccountSource(
        privacy=preferences.visibility.value, sensitive=preferences.sensitive, language=preferences.language,
        follow_requests_count=await app.services.relationships.count_follow_requests(own.account),
        fields=tuple((f.name, f.value) for f in own.profile.fields), discoverable=own.profile.discoverable,
        hide_collections=own.profile.hide_collections,
    )
    entity = await app.presenter.account(own.account, source=source)
    entity["role"] = dict(_ROLES[viewer.user.role])
    return entity


async def verify_credentials(request: Request) -> Response:
    viewer = await require_user(request, "profile")
    own = await state(request).services.profiles.own(viewer.account)
    return JSONResponse(await own_entity(request, viewer, own))


async def update_credentials(request: Request) -> Response:
    viewer = await require_user(request, "write:accounts")
    require_settings_right(viewer.account, viewer.editor)  # refused before an upload is read
    params = await read_params(request)
    try:
        update = await _update_from(params)
    finally:
        await params.aclose()
    own = await state(request).services.profiles.update(viewer.account, update, viewer.editor)
    return JSONResponse(await own_entity(request, viewer, own))


async def _update_from(params: Params) -> ProfileUpdate:
    source = params.get_dict("source") or Params()
    public_note = params.get_str("public_note")
    return ProfileUpdate(
        display_name=params.get_str("display_name"),
        note=params.get_str("note"),
        public_note=public_note if public_note is not None else source.get_str("public_note"),
        locked=params.get_bool("locked"),
        settings=SettingsChanges(
            bot=params.get_bool("bot"), discoverable=params.get_bool("discoverable"),
            hide_collections=params.get_bool("hide_collections"), fields=_fields(params),
            visibility=_privacy(source),
            sensitive=source.get_bool("sensitive"), language=_language(source),
        ),
        avatar=await _upload(params, "avatar"),
        header=await _upload(params, "header"),
    )


def _fields(params: Params) -> tuple[ProfileField, ...] | None:
    """``fields_attributes`` replaces every field; entries blank in both name and value are dropped."""
    if "fields_attributes" not in params:
        return None
    fields = []
    for item in params.get_indexed("fields_attributes"):
        name, value = (item.get_str("name", "") or "").strip(), (item.get_str("value", "") or "").strip()
        if name or value:
            fields.append(ProfileField(name, value))
    return tuple(fields)


def _privacy(source: Params) -> Visibility | None:
    raw = source.get_str("privacy")
    if not raw:
        return None
    if raw not in PRIVACY_VALUES:
        raise InvalidInput("Validation failed: source[privacy] must be one of public, unlisted, private")
    return Visibility(raw)


def _language(source: Params) -> str | None:
    raw = source.get_str("language")
    if raw is None:
        return None
    language = raw.strip().lower()
    if language and (len(language) not in LANGUAGE_LENGTH or not language.isascii() or not language.isalpha()):
        raise InvalidInput("Validation failed: source[language] must be an ISO 639 language code")
    return language  # "" clears the default


async def _upload(params: Params, name: str) -> bytes | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, UploadFile):
        raise InvalidInput(f"Validation failed: {name} must be an uploaded file")
    if not value.filename:
        return None
    data = await value.read(IMAGE_LIMIT + 1)
    if len(data) > IMAGE_LIMIT:
        raise PayloadTooLarge(f"Validation failed: {name.capitalize()} file size must be less than 2 MB")
    return data


def _clear(kind: str) -> Any:
    async def handler(request: Request) -> Response:
        viewer = await require_user(request, "write:accounts")
        own = await state(request).services.profiles.clear_image(viewer.account, kind, viewer.editor)
        return JSONResponse(await own_entity(request, viewer, own))

    return handler


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/accounts/verify_credentials", verify_credentials, methods=["GET"]),
        Route("/api/v1/accounts/update_credentials", update_credentials, methods=["PATCH", "PUT"]),
        Route("/api/v1/profile/avatar", _clear("avatar"), methods=["DELETE"]),
        Route("/api/v1/profile/header", _clear("header"), methods=["DELETE"]),
    ]
