"""Actor key pairs: RSA-2048, generated off the event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from activitypub.signatures import generate_rsa_key, private_key_pem, public_key_pem


@dataclass(frozen=True, slots=True)
class KeyPair:
    public_pem: str
    private_pem: str = field(repr=False)


def _generate() -> KeyPair:
    key = generate_rsa_key(2048)
    return KeyPair(public_key_pem(key.public_key()), private_key_pem(key))


async def new_key_pair() -> KeyPair:
    return await asyncio.to_thread(_generate)
