"""A row a store has just written, read back: absent only if the database disagrees with itself."""

from __future__ import annotations

from typing import TypeVar

from activitypub.errors import StorageError

T = TypeVar("T")


def read_back(found: T | None, what: str) -> T:
    """``found``, or a ``StorageError``: a store never hands on the ``None`` of a row it just wrote.

    Raised, not asserted, so that ``python -O`` keeps the check and the
    caller gets the project's 500 with a detail for the log.
    """
    if found is None:
        raise StorageError(detail=f"{what} was written but cannot be read back")
    return found
