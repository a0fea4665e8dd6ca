"""Activities about remote actors themselves: ``Update{Person}``, ``Delete{actor}``, ``Move``.

An actor may only speak about itself: the object (or the Move's source) must
be the actor, which the inbox already proved is the signer.
"""

from __future__ import annotations

from activitypub.errors import Forbidden, MalformedActivity
from activitypub.parse import parse_actor
from activitypub.vocab import ACTOR_TYPES, Activity
from federation.inbox import InboxContext, object_type_is

is_actor_update = object_type_is(*ACTOR_TYPES)


def is_self_delete(activity: Activity) -> bool:
    """``Delete`` whose object is the actor: an account deletion (Mastodon, GoToSocial, Lemmy)."""
    return activity.object_id is not None and activity.object_id == activity.actor


async def handle_actor_update(ctx: InboxContext) -> str:
    embedded = ctx.activity.embedded_object
    if ctx.activity.object_id != ctx.activity.actor:
        raise Forbidden("Actors update only themselves", detail=f"{ctx.activity.actor} updated {ctx.activity.object_id}")
    if embedded is None:
        # A bare reference: ask the actor's server for the current document.
        await ctx.actors.resolve(ctx.activity.actor, refresh=True)
        return "actor refreshed"
    try:
        actor = parse_actor(embedded)
    except MalformedActivity as exc:
        raise MalformedActivity(f"embedded actor: {exc.reason}") from None
    # Signed by the actor and naming itself: as good as fetching it.
    await ctx.actors.store(actor)
    return "actor updated"


async def handle_self_delete(ctx: InboxContext) -> str:
    # The cascade (statuses, follows, media) runs later from the deleted mark.
    ctx.actors.forget(ctx.sender)
    if await ctx.storage.accounts.delete_remote(ctx.sender.id):
        return "actor deleted"
    return "actor already deleted"


async def handle_move(ctx: InboxContext) -> str:
    source = ctx.activity.object_id
    target = ctx.activity.target
    if source != ctx.activity.actor:
        raise Forbidden("Actors move only themselves", detail=f"{ctx.activity.actor} moved {source}")
    if target is None or target == source:
        raise MalformedActivity("Move needs a target other than the actor")
    # The target must confirm the move by listing the source in alsoKnownAs;
    # a Move alone would let anyone redirect followers to any account.
    moved_to = await ctx.actors.fetch_actor(target)
    if source not in moved_to.also_known_as:
        raise Forbidden("Move not confirmed", detail=f"{moved_to.id} does not list {source} in alsoKnownAs")
    await ctx.actors.store(moved_to)
    await ctx.storage.accounts.set_moved_to(ctx.sender.id, moved_to.id)
    # Migrating our followers to the new account is a later side effect.
    return f"moved to {moved_to.id}"
