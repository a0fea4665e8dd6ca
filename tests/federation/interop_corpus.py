"""The fixture corpus as a fake fediverse: every remote document, turned into a signed inbox POST.

``tests/fixtures/remote`` holds real documents from ~20 server
kinds. Here each one becomes something a peer would send to our shared
inbox: activities as they are, objects wrapped in the ``Create`` their
author would send, actors as an ``Update`` of themselves. The actors they
name are served by ``CorpusServer`` (the real actor fixture where there is
one, a minimal actor otherwise) with a key generated per origin, so a
signature by one origin never verifies for another.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from activitypub.signatures import generate_rsa_key, public_key_pem, sign_cavage
from activitypub.vocab import ACTOR_TYPES, OBJECT_TYPES
from tests.federation.inbound_helpers import ACTIVITY_JSON, BASE_URL, FIXTURES, LOCAL_HOST

COLLECTION_TYPES = frozenset({"Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"})


@functools.cache
def origin_key(origin: str) -> rsa.RSAPrivateKey:
    """One key per fake origin (scheme and authority), made once per test session."""
    return generate_rsa_key(2048)


def origin_of(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def corpus() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(FIXTURES.rglob("*.json")):
        yield str(path.relative_to(FIXTURES).with_suffix("")), load(path)


def ref(value: Any) -> str | None:
    """The id a property names, whether written as a string, an object or a list of either."""
    if isinstance(value, list):
        return next((found for item in value if (found := ref(item))), None)
    if isinstance(value, Mapping):
        return ref(value.get("id"))
    return value if isinstance(value, str) else None


def author_of(document: Mapping[str, Any]) -> str | None:
    """The actor an object belongs to: ``attributedTo`` (the Person where PeerTube lists several)."""
    attributed = document.get("attributedTo")
    if isinstance(attributed, list):
        people = [item for item in attributed if isinstance(item, Mapping) and item.get("type") == "Person"]
        return ref(people or attributed)
    return ref(attributed) or ref(document.get("actor"))


def as_delivery(name: str, document: dict[str, Any]) -> dict[str, Any] | None:
    """What a peer would POST for this document; None for collections, which nobody delivers."""
    kind = document.get("type")
    if kind in COLLECTION_TYPES:
        return None
    if kind in ACTOR_TYPES:
        actor = document["id"]
        return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{actor}#updates/{name}",
                "type": "Update", "actor": actor, "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "object": document}
    if kind not in OBJECT_TYPES:
        return document
    author = author_of(document)
    object_id = ref(document.get("id")) or f"{author}/objects/{name}"
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{object_id}#create", "type": "Create",
            "actor": author, "to": document.get("to", []), "cc": document.get("cc", []), "object": document}


def minimal_actor(uri: str) -> dict[str, Any]:
    name = uri.rstrip("/").rsplit("/", 1)[-1] or "someone"
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": uri, "type": "Person", "preferredUsername": name, "inbox": f"{uri}/inbox",
        "endpoints": {"sharedInbox": f"{origin_of(uri)}/inbox"},
    }


def with_our_key(actor: Mapping[str, Any]) -> dict[str, Any]:
    """The actor with a key we hold for its origin (real fixtures carry their servers' public keys)."""
    document = copy.deepcopy(dict(actor))
    uri = document["id"]
    old = document.get("publicKey")
    key_id: str = old["id"] if isinstance(old, Mapping) and isinstance(old.get("id"), str) else ""
    if not (urldefrag(key_id).url == uri or key_id.startswith(f"{uri}/")):
        key_id = f"{uri}#main-key"  # edited fixtures name another actor's key (gnusocial); keep ours consistent
    document["publicKey"] = {"id": key_id, "owner": uri,
                             "publicKeyPem": public_key_pem(origin_key(origin_of(uri)).public_key())}
    return document


@dataclass(frozen=True)
class Signed:
    body: bytes
    headers: dict[str, str]


def signed_post(activity: Mapping[str, Any], key_id: str, path: str = "/inbox") -> Signed:
    body = json.dumps(activity).encode()
    headers = {"Host": LOCAL_HOST, "Content-Type": ACTIVITY_JSON}
    headers |= sign_cavage("POST", BASE_URL + path, headers, body, key_id, origin_key(origin_of(key_id)))
    return Signed(body, headers)


class CorpusServer:
    """Every origin in the corpus: actor documents (our keys), objects by id, a log of what was fetched."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.fetched: list[str] = []
        for _, document in corpus():
            if document.get("type") in ACTOR_TYPES and isinstance(document.get("id"), str):
                self.documents[urldefrag(document["id"]).url] = with_our_key(document)
            elif isinstance(document.get("id"), str) and document.get("type") not in COLLECTION_TYPES:
                self.documents.setdefault(urldefrag(document["id"]).url, document)

    def actor(self, uri: str) -> dict[str, Any]:
        """The served actor at ``uri``, made up (with a key) when the corpus has none."""
        key = urldefrag(uri).url
        found = self.documents.get(key)
        if found is None or found.get("type") not in ACTOR_TYPES:
            found = self.documents[key] = with_our_key(minimal_actor(uri))
        # GoToSocial's key ids are paths of their own (``/main-key``), answered with the actor stub.
        self.documents.setdefault(found["publicKey"]["id"], found)
        return found

    def key_id(self, actor_uri: str) -> str:
        key_id: str = self.actor(actor_uri)["publicKey"]["id"]
        return key_id

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url.copy_with(fragment=None))
        self.fetched.append(url)
        if url not in self.documents:
            return httpx.Response(404, json={"error": "not found"})
        return httpx.Response(200, json=self.documents[url], headers={"content-type": ACTIVITY_JSON})
