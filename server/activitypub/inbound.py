"""The inbound federation objects one app shares, and the request as its sender signed it.

The remote actor resolver and the policy are the services' own
(``Services.inbox.inbound``), so the inbox, authorized fetch and the inbox
worker share one resolver (one set of per-URI locks).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request

from activitypub.signatures import SignedRequest
from federation.verify import signed_request
from server.services.inbox_intake import Inbound
from server.state import AppState


def inbound_for(app: Starlette) -> Inbound:
    state: AppState = app.state.insideout
    return state.services.inbox.inbound


def request_as_signed(request: Request, base_url: str, body: bytes) -> SignedRequest:
    """The request as its sender signed it: path and query exactly as on the wire."""
    raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
    query: bytes = request.scope.get("query_string", b"")
    target = raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
    headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw]
    return signed_request(request.method, base_url, target, headers, body)
