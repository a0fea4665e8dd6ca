"""NodeInfo 2.0 and 2.1: what software this is, and nothing about who works here.

``usage`` (the headcount and post count) is left out: an organisation's
size is itself internal. ``metadata.upstream.name = "mastodon"`` tells
clients that choose a backend by software name (megalodon, for one) to
treat us as Mastodon, whose API we follow.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import NotFound
from server.config import Settings
from server.edge.version import SOFTWARE_VERSION

SOFTWARE_NAME: Final = "insideout"
# NodeInfo 2.1's optional software.repository/homepage; filled in once the
# project has a public home, and left out of the document until then.
SOFTWARE_REPOSITORY: Final[str | None] = None
SCHEMA: Final = "http://nodeinfo.diaspora.software/ns/schema/{version}"
VERSIONS: Final = ("2.0", "2.1")
NODEINFO_CACHE: Final = "max-age=1800, public"


def nodeinfo_document(settings: Settings, version: str) -> dict[str, Any]:
    software: dict[str, Any] = {"name": SOFTWARE_NAME, "version": SOFTWARE_VERSION}
    if version == "2.1" and SOFTWARE_REPOSITORY:
        software.update(repository=SOFTWARE_REPOSITORY, homepage=SOFTWARE_REPOSITORY)
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"outbound": [], "inbound": []},
        "openRegistrations": False,
        "metadata": {"nodeName": settings.organization.name, "upstream": {"name": "mastodon"}},
    }


def discovery_document(settings: Settings) -> dict[str, Any]:
    return {
        "links": [
            {"rel": SCHEMA.format(version=version), "href": f"{settings.base_url}/nodeinfo/{version}"}
            for version in VERSIONS
        ]
    }


async def well_known_nodeinfo(request: Request) -> Response:
    return JSONResponse(discovery_document(request.app.state.insideout.settings), headers=_headers())


async def nodeinfo(request: Request) -> Response:
    version = request.path_params["version"]
    if version not in VERSIONS:
        raise NotFound()
    document = nodeinfo_document(request.app.state.insideout.settings, version)
    media_type = f'application/json; profile="{SCHEMA.format(version=version)}#"'
    return JSONResponse(document, media_type=media_type, headers=_headers())


def _headers() -> dict[str, str]:
    return {"Cache-Control": NODEINFO_CACHE}


def routes() -> list[BaseRoute]:
    return [
        Route("/.well-known/nodeinfo", well_known_nodeinfo, methods=["GET", "HEAD"]),
        Route("/nodeinfo/{version}", nodeinfo, methods=["GET", "HEAD"]),
    ]
