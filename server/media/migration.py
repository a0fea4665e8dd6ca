"""Copy every media object from one store to another, resumably, and prove the copy before a switch.

``insideout media migrate --to s3`` (and back) runs, in order:

1. **list** both stores under every prefix (``PREFIXES``): key and size;
2. **copy** each source object, a bounded number at a time. An object already at the
   destination with the same size *and* SHA-256 digest is skipped, so a run that was
   interrupted resumes where it stopped; any other is written whole (``put`` is atomic);
3. **verify** every object the source has at the destination: each one copied is read back and
   its size and digest compared with the source's (one found in place was compared at step 2).

Nothing is ever deleted, from either store. An object that disappears from the source while
copying (deleted by the running server) is counted, not copied. Only when every object
verified does the command print the config change that switches stores.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, TypeVar

from activitypub.errors import MediaStoreUnavailable
from server.media.probe import explain
from server.media.store import PREFIXES, MediaStore, digest

CONCURRENCY: Final = 8
MEDIA_TYPES: Final = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
    "avif": "image/avif", "txt": "text/plain",
}
Progress = Callable[[str, int, int], None]
T = TypeVar("T")


def media_type(key: str) -> str:
    return MEDIA_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")


@dataclass(frozen=True, slots=True)
class Listing:
    """Key -> size, per store."""

    source: Mapping[str, int]
    destination: Mapping[str, int]

    def same_size(self) -> list[str]:
        return [key for key, size in self.source.items() if self.destination.get(key) == size]

    def extra(self) -> list[str]:
        """At the destination only (left as they are)."""
        return sorted(set(self.destination) - set(self.source))


@dataclass(frozen=True, slots=True)
class Mismatch:
    key: str
    problem: str


@dataclass(slots=True)
class Outcome:
    copied: int = 0
    copied_bytes: int = 0
    skipped: int = 0
    skipped_bytes: int = 0
    verified: int = 0
    copied_keys: list[str] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)
    problems: list[Mismatch] = field(default_factory=list)
    digests: dict[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.problems


async def list_store(store: MediaStore) -> dict[str, int]:
    found: dict[str, int] = {}
    for prefix in PREFIXES:
        async for info in store.keys(prefix):
            found[info.key] = info.size
    return found


async def list_both(source: MediaStore, destination: MediaStore) -> Listing:
    source_keys, destination_keys = await asyncio.gather(list_store(source), list_store(destination))
    return Listing(source_keys, destination_keys)


class Migration:
    def __init__(
        self, source: MediaStore, destination: MediaStore, *, concurrency: int = CONCURRENCY,
        progress: Progress = lambda stage, done, total: None,
    ) -> None:
        self._source = source
        self._destination = destination
        self._concurrency = concurrency
        self._progress = progress

    async def run(self, listing: Listing) -> Outcome:
        """Copy, then verify; ``outcome.complete`` when every source object is at the destination."""
        outcome = Outcome()
        await self._each("copying", sorted(listing.source), lambda key: self._copy(key, listing, outcome))
        await self._each("verifying", sorted(outcome.copied_keys), lambda key: self._verify(key, outcome))
        outcome.problems.sort(key=lambda mismatch: mismatch.key)
        return outcome

    async def _copy(self, key: str, listing: Listing, outcome: Outcome) -> None:
        try:
            data = await self._source.read(key)
        except MediaStoreUnavailable as exc:
            outcome.problems.append(Mismatch(key, f"not read from the source: {explain(exc)}"))
            return
        if data is None:
            outcome.vanished.append(key)
            return
        wanted = (len(data), digest(data))
        if listing.destination.get(key) == len(data) and await self._holds(key, wanted):
            outcome.skipped += 1
            outcome.skipped_bytes += len(data)
            outcome.verified += 1  # read and compared just now
        else:
            try:
                await self._destination.put(key, data, media_type(key))
            except MediaStoreUnavailable as exc:
                outcome.problems.append(Mismatch(key, f"not written to the destination: {explain(exc)}"))
                return
            outcome.copied += 1
            outcome.copied_bytes += len(data)
            outcome.copied_keys.append(key)
        outcome.digests[key] = wanted

    async def _holds(self, key: str, wanted: tuple[int, str]) -> bool:
        try:
            there = await self._destination.read(key)
        except MediaStoreUnavailable:
            return False  # written again; a failure there is reported
        return there is not None and (len(there), digest(there)) == wanted

    async def _verify(self, key: str, outcome: Outcome) -> None:
        size, wanted = outcome.digests[key]
        try:
            there = await self._destination.read(key)
        except MediaStoreUnavailable as exc:
            outcome.problems.append(Mismatch(key, f"not read back from the destination: {explain(exc)}"))
            return
        if there is None:
            outcome.problems.append(Mismatch(key, "missing at the destination"))
        elif len(there) != size:
            outcome.problems.append(Mismatch(key, f"size differs: {len(there)} bytes at the destination, {size} at"
                                                  " the source"))
        elif digest(there) != wanted:
            outcome.problems.append(Mismatch(key, "SHA-256 digest differs from the source's"))
        else:
            outcome.verified += 1

    async def _each(self, stage: str, items: Iterable[T], work: Callable[[T], Awaitable[None]]) -> None:
        """``work`` on every item, ``concurrency`` at a time."""
        queue = list(items)
        total = len(queue)
        pending = iter(queue)
        done = 0
        self._progress(stage, 0, total)

        async def runner() -> None:
            nonlocal done
            for item in pending:
                await work(item)
                done += 1
                self._progress(stage, done, total)

        async with asyncio.TaskGroup() as group:
            for _ in range(min(self._concurrency, total)):
                group.create_task(runner())
