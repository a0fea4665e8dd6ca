"""Errors raised while reading documents that other servers sent us."""

from __future__ import annotations

from storage.errors import BadRequest


class MalformedActivity(BadRequest):
    """A remote ActivityStreams document we cannot make sense of.

    ``detail`` names the offending field so the inbox log says *why* a peer's
    delivery was refused; ``public_message`` stays generic because the reason
    is echoed back to the sender.
    """

    default_message = "Malformed ActivityPub document"

    def __init__(self, reason: str) -> None:
        super().__init__(detail=reason)
        self.reason = reason
