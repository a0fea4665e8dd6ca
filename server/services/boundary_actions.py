"""What crosses the boundary because of a staff action (docs/design.md, "What crosses the boundary").

Services call this protocol whenever an action concerns an outside account
or a published status; the federation implementation
(``federation.staff_activities``) turns each call into signed activities in
the delivery queue. Nothing else in the services knows that other servers
exist.
"""

from __future__ import annotations

from typing import Protocol

from storage.models import Account, Follow, Status


class Outbound(Protocol):
    async def follow(self, follower: Account, target: Account, follow: Follow) -> None:
        """``Follow`` to a remote account; exposes the employee."""
        ...

    async def unfollow(self, follower: Account, target: Account, follow: Follow) -> None:
        """``Undo{Follow}``."""
        ...

    async def accept_follow(self, target: Account, follower: Account, follow: Follow) -> None:
        """``Accept{Follow}`` to a remote follower of a local account."""
        ...

    async def reject_follow(self, target: Account, follower: Account, follow: Follow) -> None:
        """``Reject{Follow}``, also sent when a local account removes a remote follower."""
        ...

    async def block(self, account: Account, target: Account) -> None: ...

    async def unblock(self, account: Account, target: Account) -> None: ...

    async def like(self, account: Account, status: Status) -> None:
        """``Like`` of a remote (or published) status; exposes the employee."""
        ...

    async def unlike(self, account: Account, status: Status) -> None: ...

    async def poll_vote(self, account: Account, status: Status, choices: list[str]) -> None: ...

    async def actor_updated(self, account: Account) -> None:
        """``Update`` of an exposed actor's public profile (or its new key) to its outside followers."""
        ...

    async def status_edited(self, status: Status) -> None:
        """A published status changed; ``Update`` goes out only once the revision is published."""
        ...

    async def status_deleted(self, status: Status) -> None:
        """A published status was deleted: ``Delete{Tombstone}`` to every inbox it reached."""
        ...
