"""The follow handshake from outside: ``Follow``, ``Undo{Follow}``, and ``Accept``/``Reject`` of ours.

A Follow must name an EXPOSED local actor; anything else is ignored
without an answer, so nobody learns that a hidden actor exists. The
company and departments take every follower, an employee too unless the
account is locked, in which case the follow waits as a request.
"""

from __future__ import annotations

import logging
from typing import Any

from activitypub import normalize as n
from activitypub.errors import Forbidden
from activitypub.follow_replies import accept_follow_activity, reject_follow_activity
from activitypub.uris import actor_id
from activitypub.vocab import Activity
from federation.handlers.common import exposed_local_actor, local_actor
from federation.inbox import InboxContext, NotMine
from storage.models import Account, AccountKind, Follow, FollowState

log = logging.getLogger(__name__)


def names_follow_or_uri(activity: Activity) -> bool:
    """For ``when=``: the object is an embedded Follow, or a bare URI that may be one of ours."""
    embedded = activity.embedded_object
    return embedded.get("type") == "Follow" if embedded is not None else activity.object_id is not None


def auto_accepts(account: Account) -> bool:
    return account.kind is not AccountKind.EMPLOYEE or not account.locked


async def handle_follow(ctx: InboxContext) -> str:
    target = await exposed_local_actor(ctx.storage, ctx.base_url, ctx.activity.object_id)
    if target is None:
        return "ignored: not an exposed local actor"
    if ctx.sender.id in await ctx.storage.relationships.blocked_ids(target.id):
        await _answer(ctx, target, accept=False, local_follow_id=ctx.item.id)
        return "rejected: blocked"
    existing = await ctx.storage.follows.get(ctx.sender.id, target.id)
    accepted = auto_accepts(target) or (existing is not None and existing.state is FollowState.ACCEPTED)
    async with ctx.storage.transaction():
        follow = await ctx.storage.follows.follow(
            ctx.sender.id, target.id, FollowState.ACCEPTED if accepted else FollowState.PENDING, uri=ctx.activity.id
        )
        if existing is None or existing.state is not follow.state:
            kind = "follow" if follow.state is FollowState.ACCEPTED else "follow_request"
            await ctx.storage.notifications.add(target.id, ctx.sender.id, kind, None)
        if follow.state is FollowState.ACCEPTED:
            # Sent again for a repeated Follow too: the peer may have lost our first Accept.
            sent = await _answer(ctx, target, accept=True, local_follow_id=follow.id)
            return "follow accepted" + ("" if sent else " (Accept not queued: no delivery configured)")
    return "follow request pending"


async def handle_undo_follow(ctx: InboxContext) -> str:
    embedded = ctx.activity.embedded_object
    if embedded is None:
        follow = await ctx.storage.follows.get_by_uri(ctx.activity.object_id or "")
        if follow is None or follow.account_id != ctx.sender.id:
            raise NotMine()
        target_id = follow.target_account_id
    else:
        if n.ref_id(embedded.get("actor")) != ctx.activity.actor:
            raise Forbidden("Actors undo only their own follows", detail=f"{embedded.get('actor')!r}")
        target = await local_actor(ctx.storage, ctx.base_url, n.ref_id(embedded.get("object")))
        if target is None:
            return "ignored: not a local actor"
        target_id = target.id
    removed = await ctx.storage.follows.remove(ctx.sender.id, target_id)
    return "unfollowed" if removed else "ignored: was not following"


async def handle_accept(ctx: InboxContext) -> str:
    follow = await _our_follow(ctx)
    if follow is None:
        return "ignored: no such follow request"
    await ctx.storage.follows.accept(follow.id)
    return "our follow accepted"


async def handle_reject(ctx: InboxContext) -> str:
    # Also how a peer removes one of ours from its followers after accepting.
    follow = await _our_follow(ctx)
    if follow is None:
        return "ignored: no such follow"
    await ctx.storage.follows.remove(follow.account_id, follow.target_account_id)
    return "our follow rejected"


async def _our_follow(ctx: InboxContext) -> Follow | None:
    """Our follow of the sender that the Accept/Reject answers: by the Follow's id, else by the actor pair."""
    embedded = ctx.activity.embedded_object
    follow = await ctx.storage.follows.get_by_uri(ctx.activity.object_id) if ctx.activity.object_id else None
    if follow is None and embedded is not None and n.ref_id(embedded.get("object")) == ctx.activity.actor:
        follower = await local_actor(ctx.storage, ctx.base_url, n.ref_id(embedded.get("actor")))
        follow = await ctx.storage.follows.get(follower.id, ctx.sender.id) if follower else None
    if follow is None:
        if embedded is None:
            raise NotMine()  # a bare URI: perhaps an Accept of something else
        return None
    follower_account = await ctx.storage.accounts.get(follow.account_id)
    if follow.target_account_id != ctx.sender.id or follower_account is None or not follower_account.is_local:
        raise Forbidden("Only the followed actor answers a follow", detail=f"follow {follow.id}")
    return follow


async def _answer(ctx: InboxContext, target: Account, *, accept: bool, local_follow_id: int) -> bool:
    actor_uri = actor_id(ctx.base_url, target.username)
    build = accept_follow_activity if accept else reject_follow_activity
    activity: dict[str, Any] = build(
        actor_uri=actor_uri, follower_uri=ctx.activity.actor, follow_id=ctx.activity.id, local_follow_id=local_follow_id
    )
    if ctx.deliver is None:
        log.warning("no delivery configured; answer to Follow not queued", extra={"activity": activity["id"]})
        return False
    inbox = ctx.sender.inbox_url
    await ctx.deliver(activity, target, [inbox] if inbox else [])
    return True
