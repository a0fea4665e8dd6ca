"""Time-sortable 64-bit ids, Mastodon style.

An id is ``milliseconds since the Unix epoch << 16 | sequence``. Ids sort by
creation time, fit a signed 64-bit column and are exposed to clients as
numeric strings. The low 16 bits start at a random point every millisecond,
so processes that share a database rarely collide, and the unique key of
each table catches the rare case.

Processes sharing a PostgreSQL database take a node number from it at start;
the low bits then hold ``node << 10 | sequence``, so no two processes can mint
the same id, however busy they are.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

SEQUENCE_BITS = 16
SEQUENCE_MASK = (1 << SEQUENCE_BITS) - 1
NODE_BITS = 6
NODE_COUNT = 1 << NODE_BITS
NODE_SEQUENCE_BITS = SEQUENCE_BITS - NODE_BITS
NODE_SEQUENCE_MASK = (1 << NODE_SEQUENCE_BITS) - 1
MAX_ID = (1 << 63) - 1


class IdGenerator:
    """Monotonic within a process, even when the wall clock steps back."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock or time.time
        self._lock = threading.Lock()
        self._last_ms = 0
        self._sequence = 0
        self._node: int | None = None

    def assign_node(self, node: int) -> None:
        """From now on, mint ids no other node can: ``node`` is this process's among those sharing the database."""
        with self._lock:
            self._node = node % NODE_COUNT
            self._sequence = NODE_SEQUENCE_MASK  # the next id starts a fresh millisecond in the new layout

    def next_id(self) -> int:
        with self._lock:
            limit = SEQUENCE_MASK if self._node is None else NODE_SEQUENCE_MASK
            now_ms = max(int(self._clock() * 1000), self._last_ms)
            if now_ms != self._last_ms:
                self._start_millisecond(now_ms)
            elif self._sequence < limit:
                self._sequence += 1
            else:
                # This millisecond's sequence space is used up: borrow the next one.
                self._start_millisecond(now_ms + 1)
            if self._node is None:
                return (self._last_ms << SEQUENCE_BITS) | self._sequence
            return (self._last_ms << SEQUENCE_BITS) | (self._node << NODE_SEQUENCE_BITS) | self._sequence

    def _start_millisecond(self, now_ms: int) -> None:
        self._last_ms = now_ms
        if self._node is not None:
            self._sequence = 0
            return
        # Start low in the space, at random, so other processes rarely pick the same ids.
        self._sequence = secrets.randbelow(1 << (SEQUENCE_BITS - 1))


def id_at(moment: datetime) -> int:
    """The smallest id that could have been minted at ``moment``; for date-bounded queries."""
    return int(moment.timestamp() * 1000) << SEQUENCE_BITS


def time_of(snowflake: int) -> datetime:
    return datetime.fromtimestamp((snowflake >> SEQUENCE_BITS) / 1000, tz=UTC)


def parse_id(value: str | int) -> int:
    """Parse a client-supplied id; raises ValueError for anything but a 63-bit positive integer."""
    if isinstance(value, int):
        number = value
    else:
        if not value.isascii() or not value.isdigit() or len(value) > 19:
            raise ValueError(f"not an id: {value!r}")
        number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError(f"id out of range: {value!r}")
    return number
