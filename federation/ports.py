"""What federation needs from the services above it, named here so the layers still run one way.

Federation sits below the services (docs/design.md, "Layers"), yet an inbound
``Create`` must reach home timelines and a staff edit of a published post
must be re-sent. Each such need is a Protocol here; the services implement
it (``server.services.distribution.Distribution``,
``server.services.publication.PublicationService``) and the app passes the
implementation in where it builds the federation objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from storage.models import Account, Status


class StatusFanout(Protocol):
    """Home feeds, notifications and streams for statuses that came in from outside."""

    def atomic(self) -> AbstractAsyncContextManager[None]:
        """One transaction for the block's writes and fan-out; stream events go out after the commit."""
        ...

    async def status_created(self, status: Status, author: Account, mention_ids: Sequence[int]) -> None: ...

    async def status_edited(self, status: Status) -> None: ...

    async def status_deleted(self, status: Status, audience: Sequence[int]) -> None: ...

    async def notify(self, account: Account, from_account: Account, kind: str, status_id: int | None) -> None:
        """One notification to a local account, unless it blocks or mutes the sender."""
        ...


class Republication(Protocol):
    """What happens to a published status afterwards: its approved edit and its retraction go out."""

    async def send_update(self, status: Status) -> None: ...

    async def send_retraction(self, status: Status, author: Account, announcer_ids: Sequence[int]) -> None: ...
