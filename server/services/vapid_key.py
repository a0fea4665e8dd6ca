"""The instance's VAPID key pair: made once, on first use, and kept in instance_meta.

Its public half is every app's ``vapid_key``; replacing it would silently
break every push subscription, so it is created inside a transaction and
never overwritten.
"""

from __future__ import annotations

from typing import Final

from server.push import VapidKeyPair
from storage.protocols import Storage

VAPID_META_KEY: Final = "vapid_private_key"


async def instance_vapid_keypair(storage: Storage) -> VapidKeyPair:
    stored = await storage.instance.get_meta(VAPID_META_KEY)
    if stored is not None:
        return VapidKeyPair.from_private_b64(stored)
    async with storage.transaction():
        # Re-read under the write lock: another request may have made it meanwhile.
        stored = await storage.instance.get_meta(VAPID_META_KEY)
        if stored is None:
            keypair = VapidKeyPair.generate()
            await storage.instance.set_meta(VAPID_META_KEY, keypair.private_b64())
            return keypair
    return VapidKeyPair.from_private_b64(stored)


class VapidKeys:
    """The key pair as a service, for the views that show its public half."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def keypair(self) -> VapidKeyPair:
        return await instance_vapid_keypair(self._storage)
