"""``/Users`` and ``/Groups``: parse with scim2-models, ask the provisioning services, present the resource."""

from __future__ import annotations

from typing import Any

from scim2_models import Context, Group, NotFoundException, NotImplementedException, PatchOp
from starlette.requests import Request
from starlette.responses import Response

from server.scim.discovery import LIST_RESPONSE
from server.scim.requests import caller_of, entra_patch, read_document, response_parameters, search_request
from server.scim.responses import scim_errors, scim_response
from server.services.provisioning import POLICY, Page, UserResource
from server.state import app_state


def _dump(resource: Any, context: Context, parameters: Any = None) -> dict[str, Any]:
    dumped: dict[str, Any] = resource.model_dump(scim_ctx=context, response_parameters=parameters)
    return dumped


def _created(resource: Any, parameters: Any) -> Response:
    location = str(resource.meta.location)
    return scim_response(_dump(resource, Context.RESOURCE_CREATION_RESPONSE, parameters), 201,
                         {"Location": location, "ETag": str(resource.meta.version)})


def _one(resource: Any, context: Context, parameters: Any) -> Response:
    return scim_response(_dump(resource, context, parameters), headers={"ETag": str(resource.meta.version)})


def _listed(page: Page, parameters: Any) -> Response:
    resources = [_dump(resource, Context.SEARCH_RESPONSE, parameters) for resource in page.resources]
    return scim_response({"schemas": [LIST_RESPONSE], "totalResults": page.total, "startIndex": page.start_index,
                          "itemsPerPage": len(resources), "Resources": resources})


def _path_id(request: Request) -> str:
    return str(request.path_params["id"])


def _with_members(parameters: Any) -> bool:
    """Entra ID reads groups with ``excludedAttributes=members``: then they are not read at all."""
    excluded = {str(path).lower() for path in parameters.excluded_attributes or ()}
    included = {str(path).lower() for path in parameters.attributes or ()}
    return "members" not in excluded and (not included or "members" in included)


@scim_errors
async def users(request: Request) -> Response:
    caller = await caller_of(request)
    service = app_state(request).services.scim_users
    if request.method == "POST":
        resource = UserResource.model_validate(await read_document(request),
                                               scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY)
        return _created(await service.create(resource, caller), response_parameters(UserResource, request))
    search = search_request(UserResource, request)
    page = await service.search(search.filter.ast if search.filter else None, search.start_index or 1, search.count)
    return _listed(page, search)


@scim_errors
async def search_users(request: Request) -> Response:
    await caller_of(request)
    search = search_request(UserResource, request, await read_document(request))
    page = await app_state(request).services.scim_users.search(
        search.filter.ast if search.filter else None, search.start_index or 1, search.count)
    return _listed(page, search)


@scim_errors
async def user(request: Request) -> Response:
    caller = await caller_of(request)
    service, user_id = app_state(request).services.scim_users, _path_id(request)
    parameters = response_parameters(UserResource, request)
    if request.method == "GET":
        return _one(await service.get(user_id), Context.RESOURCE_QUERY_RESPONSE, parameters)
    if request.method == "DELETE":
        await service.delete(user_id, caller)
        return scim_response(None, 204)
    document = await read_document(request)
    if request.method == "PUT":
        resource = UserResource.model_validate(document, scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST,
                                               scim_policy=POLICY)
        return _one(await service.replace(user_id, resource, caller), Context.RESOURCE_REPLACEMENT_RESPONSE,
                    parameters)
    patch = PatchOp[UserResource].model_validate(entra_patch(document), scim_ctx=Context.RESOURCE_PATCH_REQUEST,
                                                 scim_policy=POLICY)
    return _one(await service.patch(user_id, patch, caller), Context.RESOURCE_PATCH_RESPONSE, parameters)


@scim_errors
async def groups(request: Request) -> Response:
    caller = await caller_of(request)
    service = app_state(request).services.scim_groups
    if request.method == "POST":
        resource = Group.model_validate(await read_document(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST,
                                        scim_policy=POLICY)
        return _created(await service.create(resource, caller), response_parameters(Group, request))
    search = search_request(Group, request)
    page = await service.search(search.filter.ast if search.filter else None, search.start_index or 1, search.count,
                                with_members=_with_members(search))
    return _listed(page, search)


@scim_errors
async def search_groups(request: Request) -> Response:
    await caller_of(request)
    search = search_request(Group, request, await read_document(request))
    page = await app_state(request).services.scim_groups.search(
        search.filter.ast if search.filter else None, search.start_index or 1, search.count,
        with_members=_with_members(search))
    return _listed(page, search)


@scim_errors
async def group(request: Request) -> Response:
    caller = await caller_of(request)
    service, group_id = app_state(request).services.scim_groups, _path_id(request)
    parameters = response_parameters(Group, request)
    if request.method == "GET":
        return _one(await service.get(group_id, with_members=_with_members(parameters)),
                    Context.RESOURCE_QUERY_RESPONSE, parameters)
    if request.method == "DELETE":
        await service.delete(group_id, caller)
        return scim_response(None, 204)
    document = await read_document(request)
    if request.method == "PUT":
        resource = Group.model_validate(document, scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY)
        return _one(await service.replace(group_id, resource, caller), Context.RESOURCE_REPLACEMENT_RESPONSE,
                    parameters)
    patch = PatchOp[Group].model_validate(document, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY)
    if await service.patch_members(group_id, patch, caller):
        return scim_response(None, 204)  # RFC 7644 §3.5.2: a PATCH may answer 204 without the resource
    return _one(await service.patch(group_id, patch, caller), Context.RESOURCE_PATCH_RESPONSE, parameters)


@scim_errors
async def search_everything(request: Request) -> Response:
    await caller_of(request)
    raise NotImplementedException(detail="Search /Users/.search or /Groups/.search")


@scim_errors
async def not_found(request: Request) -> Response:
    await caller_of(request)
    raise NotFoundException(detail="No such SCIM endpoint")
