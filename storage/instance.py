"""Facts about the instance itself, kept once for every process (its first base URL, the CSRF secret)."""

from __future__ import annotations

from typing import Protocol


class InstanceStore(Protocol):
    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...
