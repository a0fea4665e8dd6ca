"""The inbox handlers of this package, registered on an ``InboxHandlers``.

``Create``/``Like``/``Announce``/``Delete{Note}`` live with statuses and are
registered by their owner on the same registry; the self-delete here is
tried first because it has a ``when``.
"""

from __future__ import annotations

from federation.handlers.follows import (
    handle_accept,
    handle_follow,
    handle_reject,
    handle_undo_follow,
    names_follow_or_uri,
)
from federation.handlers.moderation import handle_block, handle_flag, handle_undo_block, is_undo_block
from federation.handlers.profiles import (
    handle_actor_update,
    handle_move,
    handle_self_delete,
    is_actor_update,
    is_self_delete,
)
from federation.inbox import InboxHandlers


def register_inbound_handlers(handlers: InboxHandlers) -> InboxHandlers:
    return (
        handlers.on("Update", handle_actor_update, when=is_actor_update)
        .on("Delete", handle_self_delete, when=is_self_delete)
        .on("Move", handle_move)
        .on("Block", handle_block)
        .on("Undo", handle_undo_block, when=is_undo_block)
        .on("Flag", handle_flag)
        .on("Follow", handle_follow)
        .on("Undo", handle_undo_follow, when=names_follow_or_uri)
        .on("Accept", handle_accept, when=names_follow_or_uri)
        .on("Reject", handle_reject, when=names_follow_or_uri)
    )


def default_handlers() -> InboxHandlers:
    return register_inbound_handlers(InboxHandlers())


__all__ = ["default_handlers", "register_inbound_handlers"]
