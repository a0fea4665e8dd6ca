"""Parsed private keys of local actors, kept in a small LRU.

Parsing a 2048-bit RSA PEM costs milliseconds (cryptography checks the key),
far more than a signature, so the worker keeps the parsed keys. The cache is
only a cache: an entry is keyed by the PEM too, so a rotated key is parsed
again, and losing the cache changes nothing but speed.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from activitypub.errors import InvalidInput
from activitypub.signatures import load_private_key_pem

SignerKey = rsa.RSAPrivateKey | Ed25519PrivateKey


class PrivateKeyCache:
    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._entries: OrderedDict[int, tuple[str, SignerKey]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, account_id: int, pem: str) -> SignerKey:
        entry = self._entries.get(account_id)
        if entry is not None and entry[0] == pem:
            self._entries.move_to_end(account_id)
            return entry[1]
        key = await asyncio.to_thread(load_private_key_pem, pem)
        if not isinstance(key, (rsa.RSAPrivateKey, Ed25519PrivateKey)):
            raise InvalidInput("Unsupported signing key", detail=f"account {account_id}: {type(key).__name__}")
        self._entries[account_id] = (pem, key)
        self._entries.move_to_end(account_id)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return key
