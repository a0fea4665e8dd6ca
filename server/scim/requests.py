"""Reading a SCIM request: the bearer token, a bounded JSON body, and the query parameters of RFC 7644 §3.4."""

from __future__ import annotations

from typing import Any

from scim2_models import (
    InvalidFilterException,
    InvalidSyntaxException,
    PayloadTooLargeException,
    ResponseParameters,
    SearchRequest,
    UnauthorizedException,
)
from starlette.requests import Request

from activitypub.json_reader import Rejection, UntrustedJsonError, loads_untrusted
from server.services.scim_tokens import ScimCaller
from server.state import app_state

# A Group PUT of ten thousand members is about a megabyte.
MAX_BODY = 4_000_000
MAX_DEPTH = 16
MAX_FILTER = 1000
MANAGER_PATH = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:manager"
QUERY_NAMES = {"filter": "filter", "startindex": "startIndex", "count": "count", "attributes": "attributes",
               "excludedattributes": "excludedAttributes"}


async def caller_of(request: Request) -> ScimCaller:
    """The SCIM token's caller; a Mastodon token, a revoked or a missing token is 401."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    caller = None
    if scheme.lower() == "bearer":
        caller = await app_state(request).services.scim_tokens.authenticate(token.strip())
    if caller is None:
        raise UnauthorizedException(detail="A valid SCIM token is required (insideout scim token create NAME)")
    return caller


async def read_document(request: Request) -> dict[str, Any]:
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY:
            raise PayloadTooLargeException(detail=f"A request body is at most {MAX_BODY} bytes")
    try:
        document = loads_untrusted(bytes(body), max_depth=MAX_DEPTH, max_bytes=MAX_BODY)
    except UntrustedJsonError as exc:
        if exc.reason is Rejection.TOO_LARGE:
            raise PayloadTooLargeException(detail=f"A request body is at most {MAX_BODY} bytes") from None
        raise InvalidSyntaxException(detail=f"The body is not a JSON object: {exc.reason.value}") from None
    if not isinstance(document, dict):
        raise InvalidSyntaxException(detail="The body is not a JSON object")
    return document


def search_request(model: Any, request: Request, document: dict[str, Any] | None = None) -> Any:
    """``filter``, ``startIndex``, ``count``, ``attributes``, ``excludedAttributes`` from the query or a
    ``/.search`` body, checked by scim2-models against ``model``'s schema (an unknown attribute is
    ``invalidFilter``)."""
    values = document if document is not None else _query(request)
    text = values.get("filter")
    if text is not None and (not isinstance(text, str) or len(text) > MAX_FILTER):
        raise InvalidFilterException(detail=f"A filter is a string of at most {MAX_FILTER} characters")
    return SearchRequest[model].model_validate(values)


def response_parameters(model: Any, request: Request) -> Any:
    values = _query(request)
    return ResponseParameters[model].model_validate(
        {key: value for key, value in values.items() if key in ("attributes", "excludedAttributes")})


def _query(request: Request) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        name = QUERY_NAMES.get(key.lower())
        if name is not None:
            values[name] = value
    return values


def entra_patch(document: dict[str, Any]) -> dict[str, Any]:
    """Entra ID sets the enterprise ``manager`` to a bare id, where RFC 7643 §4.3 has ``{"value": id}``;
    scim2-models tolerates Entra's other habits (capitalised ops, ``"False"``, remove by value) itself."""
    operations = document.get("Operations")
    if not isinstance(operations, list):
        return document
    for operation in operations:
        if isinstance(operation, dict) and str(operation.get("path", "")).lower() == MANAGER_PATH \
                and isinstance(operation.get("value"), str):
            operation["value"] = {"value": operation["value"]}
    return document
