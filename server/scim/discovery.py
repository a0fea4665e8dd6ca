"""``/ServiceProviderConfig``, ``/ResourceTypes`` and ``/Schemas`` (RFC 7644 §4), built by scim2-models."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    Meta,
    NotFoundException,
    Patch,
    ResourceType,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    User,
)
from starlette.requests import Request
from starlette.responses import Response

from server.scim.requests import caller_of
from server.scim.responses import scim_errors, scim_response
from server.services.provisioning import MAX_PAGE, UserResource, scim_base
from server.state import app_state

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


@lru_cache(maxsize=1)
def provider() -> ScimProvider:
    config = ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_PAGE),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken, name="SCIM token", primary=True,
            description="A bearer token made by `insideout scim token create NAME`",
        )],
    )
    resource_types = [ResourceType.from_resource(UserResource), ResourceType.from_resource(Group)]
    return ScimProvider(models=[User, EnterpriseUser, Group], resource_types=resource_types, config=config)


def _located(document: Any, resource_type: str, location: str) -> dict[str, Any]:
    document = document.model_copy()
    document.meta = Meta(resource_type=resource_type, location=location)
    dumped: dict[str, Any] = document.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return dumped


def _list(documents: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schemas": [LIST_RESPONSE], "totalResults": len(documents), "startIndex": 1,
            "itemsPerPage": len(documents), "Resources": documents}


@scim_errors
async def service_provider_config(request: Request) -> Response:
    await caller_of(request)
    base = scim_base(app_state(request).settings.base_url)
    config = provider().config
    return scim_response(_located(config, "ServiceProviderConfig", f"{base}/ServiceProviderConfig"))


@scim_errors
async def resource_types(request: Request) -> Response:
    await caller_of(request)
    base = scim_base(app_state(request).settings.base_url)
    return _all_or_one(request, "resource type",
                       [_located(rt, "ResourceType", f"{base}/ResourceTypes/{rt.id}") for rt in provider().resource_types])


@scim_errors
async def schemas(request: Request) -> Response:
    await caller_of(request)
    base = scim_base(app_state(request).settings.base_url)
    return _all_or_one(request, "schema",
                       [_located(schema, "Schema", f"{base}/Schemas/{schema.id}") for schema in provider().schemas])


def _all_or_one(request: Request, kind: str, documents: list[dict[str, Any]]) -> Response:
    """The list, or the one document the path's ``id`` names (RFC 7644 section 4)."""
    wanted = request.path_params.get("id")
    if wanted is None:
        return scim_response(_list(documents))
    for document in documents:
        if document["id"] == wanted:
            return scim_response(document)
    raise NotFoundException(detail=f"No {kind} {wanted[:100]!r}")
