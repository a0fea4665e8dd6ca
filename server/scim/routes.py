"""The SCIM route table, all under ``/scim/v2``; any other path there is a SCIM 404."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.scim import discovery, views
from server.scim.responses import View, error_response

PREFIX = "/scim/v2"
EVERY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def routes() -> list[BaseRoute]:
    return [
        _route("/ServiceProviderConfig", discovery.service_provider_config, "GET"),
        _route("/ResourceTypes", discovery.resource_types, "GET"),
        _route("/ResourceTypes/{id}", discovery.resource_types, "GET"),
        _route("/Schemas", discovery.schemas, "GET"),
        _route("/Schemas/{id}", discovery.schemas, "GET"),
        _route("/Users", views.users, "GET", "POST"),
        _route("/Users/.search", views.search_users, "POST"),
        _route("/Users/{id}", views.user, "GET", "PUT", "PATCH", "DELETE"),
        _route("/Groups", views.groups, "GET", "POST"),
        _route("/Groups/.search", views.search_groups, "POST"),
        _route("/Groups/{id}", views.group, "GET", "PUT", "PATCH", "DELETE"),
        _route("/.search", views.search_everything, "POST"),
        _route("/{rest:path}", views.not_found, *EVERY_METHOD),
        _route("", views.not_found, *EVERY_METHOD),
    ]


def _route(path: str, view: View, *methods: str) -> Route:
    """Every method reaches the route, so one it does not take is SCIM's 405, not the catch-all's 404."""
    async def endpoint(request: Request) -> Response:
        if request.method not in methods:
            return error_response(405, f"{request.method} is not allowed here; use {', '.join(methods)}")
        return await view(request)

    return Route(f"{PREFIX}{path}", endpoint, methods=EVERY_METHOD)
