"""``/.well-known/webfinger`` and ``/.well-known/host-meta``, as Mastodon answers them.

A resource names a local actor as ``acct:user@domain`` (``acct:`` may be
left out), or by its actor or profile URL. The instance actor is
``acct:{domain}@{domain}``. A hidden actor gets the very response an
unknown one gets. The CORS header (errors included) comes from
``server.mastodon.cors``, as rack-cors adds it for Mastodon.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import BadRequest, NotFound
from activitypub.uris import Uris, actor_id, profile_url
from server.activitypub.responses import JRD_JSON_UTF8
from server.config import Settings

if TYPE_CHECKING:
    from server.state import AppState

PROFILE_PAGE: Final = "http://webfinger.net/rel/profile-page"
XRD_NS: Final = "http://docs.oasis-open.org/ns/xri/xrd-1.0"
WEBFINGER_CACHE: Final = "max-age=300, public"
_HOST_META_HEADERS: Final = {"Cache-Control": WEBFINGER_CACHE}


@dataclass(frozen=True, slots=True)
class Target:
    """What a resource names: a local username, or the instance actor (``username`` None)."""

    username: str | None


INSTANCE: Final = Target(None)


def parse_resource(resource: str | None, settings: Settings) -> Target:
    """Raise BadRequest for a malformed resource, NotFound for one that is not ours."""
    resource = (resource or "").strip()
    if not resource:
        raise BadRequest("The resource parameter is required")
    if resource.lower().startswith(("http://", "https://")):
        return _from_url(resource, settings)
    if resource.lower().startswith("acct:"):
        resource = resource[len("acct:"):]
    user, at, host = resource.rpartition("@")
    if not at or not user or not host:
        raise BadRequest("The resource must be acct:user@domain or an actor URL")
    if host.lower() != settings.domain.lower():
        raise NotFound()
    return INSTANCE if user.lower() == settings.domain.lower() else Target(user)


def _from_url(resource: str, settings: Settings) -> Target:
    parts = urlsplit(resource)
    if parts.netloc.lower() != settings.domain.lower() or parts.query or parts.fragment:
        raise NotFound()
    path = parts.path.rstrip("/")
    if path == "/actor":
        return INSTANCE
    for prefix in ("/users/", "/@"):
        name = path.removeprefix(prefix)
        if name != path and name and "/" not in name:
            return Target(name)
    raise NotFound()


async def webfinger(request: Request) -> Response:
    state = request.app.state.insideout
    target = parse_resource(request.query_params.get("resource"), state.settings)
    body = await _describe(target, state)
    return JSONResponse(body, media_type=JRD_JSON_UTF8, headers={"Cache-Control": WEBFINGER_CACHE})


async def _describe(target: Target, state: AppState) -> dict[str, Any]:
    base_url, domain = state.settings.base_url, state.settings.domain
    if target.username is None:
        instance = Uris.of(base_url).instance_actor
        return _jrd(f"acct:{domain}@{domain}", instance, f"{base_url}/about/more?instance_actor=true", [instance])
    account = await state.services.public_face.exposed_actor(target.username)
    uri, page = actor_id(base_url, account.username), profile_url(base_url, account.username)
    return _jrd(f"acct:{account.username}@{domain}", uri, page, [page, uri])


def _jrd(subject: str, self_href: str, profile_href: str, aliases: list[str]) -> dict[str, Any]:
    return {
        "subject": subject,
        "aliases": aliases,
        "links": [
            {"rel": PROFILE_PAGE, "type": "text/html", "href": profile_href},
            {"rel": "self", "type": "application/activity+json", "href": self_href},
        ],
    }


async def host_meta(request: Request) -> Response:
    settings: Settings = request.app.state.insideout.settings
    if request.query_params.get("format") == "json" or _accepts_only_json(request.headers.get("accept", "")):
        return _host_meta_json(settings)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<XRD xmlns="{XRD_NS}">\n'
        f'  <Link rel="lrdd" template="{html.escape(_template(settings), quote=True)}"/>\n'
        "</XRD>\n"
    )
    return Response(xml, media_type="application/xrd+xml; charset=utf-8", headers=_HOST_META_HEADERS)


async def host_meta_json(request: Request) -> Response:
    return _host_meta_json(request.app.state.insideout.settings)


def _host_meta_json(settings: Settings) -> Response:
    return JSONResponse({"links": [{"rel": "lrdd", "template": _template(settings)}]}, headers=_HOST_META_HEADERS)


def _template(settings: Settings) -> str:
    return f"{settings.base_url}/.well-known/webfinger?resource={{uri}}"


def _accepts_only_json(accept: str) -> bool:
    accept = accept.lower()
    return "json" in accept and "xml" not in accept


def routes() -> list[BaseRoute]:
    return [
        Route("/.well-known/webfinger", webfinger, methods=["GET", "HEAD"]),
        Route("/.well-known/host-meta", host_meta, methods=["GET", "HEAD"]),
        Route("/.well-known/host-meta.json", host_meta_json, methods=["GET", "HEAD"]),
    ]
