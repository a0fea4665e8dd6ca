"""What remote servers tell us about our accounts: ``Block``, ``Undo{Block}`` and ``Flag``.

Both only ever record facts about LOCAL accounts and objects: a report
naming remote posts makes us fetch or store nothing of them.
"""

from __future__ import annotations

from federation.handlers.common import exposed_local_actor
from federation.inbox import InboxContext, NotMine, object_type_is
from storage.models import NewReport

MAX_REPORT_COMMENT = 5000

is_undo_block = object_type_is("Block")


async def handle_block(ctx: InboxContext) -> str:
    # Lemmy's community bans are Blocks too, naming a remote user and a
    # ``target`` community: nothing of ours, so ignored here.
    target = await exposed_local_actor(ctx.storage, ctx.base_url, ctx.activity.object_id)
    if target is None or ctx.activity.target is not None:
        return "ignored: does not block one of our actors"
    async with ctx.storage.transaction():
        await ctx.storage.moderation.add_remote_block(ctx.sender.id, target.id, ctx.activity.id)
        # As in Mastodon, a block ends the follows both ways.
        await ctx.storage.follows.remove(ctx.sender.id, target.id)
        await ctx.storage.follows.remove(target.id, ctx.sender.id)
    return f"blocks {target.username}"


async def handle_undo_block(ctx: InboxContext) -> str:
    embedded = ctx.activity.embedded_object
    if embedded is None or embedded.get("actor") != ctx.activity.actor:
        raise NotMine()
    object_uri = embedded.get("object")
    target = await exposed_local_actor(ctx.storage, ctx.base_url, object_uri if isinstance(object_uri, str) else None)
    if target is None:
        return "ignored: does not unblock one of our actors"
    removed = await ctx.storage.moderation.remove_remote_block(ctx.sender.id, target.id)
    return f"unblocks {target.username}" if removed else "ignored: no such block"


async def handle_flag(ctx: InboxContext) -> str:
    accounts: list[int] = []
    objects: list[str] = []
    for uri in ctx.activity.object_ids:
        actor = await exposed_local_actor(ctx.storage, ctx.base_url, uri)
        if actor is not None:
            accounts.append(actor.id)
            continue
        status = await ctx.storage.statuses.get_by_uri(uri)
        if status is not None and status.local:
            objects.append(uri)
            if status.account_id not in accounts:
                accounts.append(status.account_id)
    if not accounts:
        return "ignored: reports nothing of ours"
    comment = ctx.activity.content or ctx.activity.summary or ""
    report = await ctx.storage.moderation.add_report(
        NewReport(
            reporter_uri=ctx.activity.actor,
            reporter_id=ctx.sender.id,
            comment=comment[:MAX_REPORT_COMMENT],
            target_account_ids=tuple(accounts),
            target_object_uris=tuple(objects),
            activity_id=ctx.activity.id,
        )
    )
    return f"report {report.id} queued" if report else "ignored: report already received"
