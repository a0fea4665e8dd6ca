"""The instance actor: the server's own key, for signed GETs on its behalf.

Authorized-fetch peers refuse unsigned fetches, and signing a fetch as an
employee would tell the peer who is looking. So remote fetches are signed
as ``{base_url}/actor``, an ``Application`` that stands for the server.

The private key is generated once (RSA-2048, off the event loop) and kept
in ``instance_meta``; every process and every restart reads the same one.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import rsa

from activitypub.errors import StorageError
from activitypub.signatures import generate_rsa_key, load_private_key_pem, private_key_pem, public_key_pem
from activitypub.uris import Uris
from storage.protocols import Storage

PRIVATE_KEY_META = "instance_actor_private_key"
# Written by server.bootstrap at first start; federation must not import server.
_BASE_URL_META = "base_url"


@dataclass(frozen=True, slots=True)
class InstanceActor:
    key_id: str
    private_key: rsa.RSAPrivateKey = field(repr=False)
    public_key_pem: str

    @property
    def id(self) -> str:
        return self.key_id.removesuffix("#main-key")


def instance_actor_id(base_url: str) -> str:
    return Uris.of(base_url).instance_actor


def instance_key_id(base_url: str) -> str:
    return f"{instance_actor_id(base_url)}#main-key"


async def load_or_create_instance_actor(storage: Storage, base_url: str | None = None) -> InstanceActor:
    """The stored instance actor, created on first call.

    ``base_url`` defaults to the one fixed at first start, which is what
    every id must be built from.
    """
    base_url = base_url or await storage.instance.get_meta(_BASE_URL_META)
    if not base_url:
        raise StorageError(detail="instance actor requested before the base URL was stored")
    stored = await storage.instance.get_meta(PRIVATE_KEY_META)
    if stored is None:
        stored = await _create(storage)
    private_key, public_pem = _load(stored)
    return InstanceActor(instance_key_id(base_url), private_key, public_pem)


async def _create(storage: Storage) -> str:
    candidate = await asyncio.to_thread(_generate_pem)
    # Two processes may start at once: the write transaction makes the
    # check-and-set atomic, and the loser adopts the winner's key.
    async with storage.transaction():
        stored = await storage.instance.get_meta(PRIVATE_KEY_META)
        if stored is None:
            await storage.instance.set_meta(PRIVATE_KEY_META, candidate)
            stored = candidate
    return stored


def _generate_pem() -> str:
    return private_key_pem(generate_rsa_key(2048))


@functools.lru_cache(maxsize=4)
def _load(pem: str) -> tuple[rsa.RSAPrivateKey, str]:
    # Cached by PEM: loading checks the RSA key, which is too slow to repeat
    # on every signed fetch, and the PEM is the only source of truth.
    key = load_private_key_pem(pem)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise StorageError(detail="the stored instance actor key is not an RSA key")
    return key, public_key_pem(key.public_key())
