"""``insideout media check | migrate --to s3|local | remove-remote``: the operator's side of media stores.

``check`` writes, reads back and deletes a probe object on the configured store and says
which step failed and why. ``migrate`` copies every object to the other store, resumably,
verifies sizes and digests, and only then prints the config change that switches stores; it
never deletes anything. ``remove-remote`` clears partners' media nobody fetched for
``[media] remote_cache_days``; they are fetched again on demand. See docs/media-storage.md.

Exit codes: 0 done, 1 the store failed or objects did not verify, 2 bad settings.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from activitypub.errors import MediaStoreUnavailable
from server.cli.common import Access, CommandFailed, add_command, opened_storage
from server.cli.transfer import ProgressBar
from server.config import Settings
from server.media.migration import CONCURRENCY, Listing, Migration, Outcome, list_both
from server.media.probe import Step, check_store, explain, scrub
from server.media.store import PREFIXES, LocalMediaStore, MediaStore
from server.media.stores import build_media_store
from server.services.remote_cache_cleanup import RemoteCacheCleanup, Removed

EXAMPLES = """\
examples:
  insideout media check
  insideout media migrate --to s3 --dry-run
  insideout media migrate --to s3          # run again after an interruption: it resumes
  insideout media remove-remote --days 14
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "media", help="the media store: check it, move media between stores, clear cached partner media",
        description="The media store (docs/media-storage.md): check it, move media between the local directory"
                    " and an S3 bucket, clear cached partner media.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="media_command", metavar="ACTION", required=True)
    add_command(commands, "check", check,
                "write, read back and delete a probe object on the configured store; say exactly what failed",
                access=Access.NONE)
    migrate = add_command(
        commands, "migrate", migrate_media,
        "copy every media object to the other store (resumable), verify sizes and SHA-256 digests, and print"
        " the config change to switch; nothing is deleted",
        access=Access.NONE,
    )
    migrate.add_argument("--to", choices=("s3", "local"), required=True,
                         help="s3: from data_dir into the [media] s3_* bucket; local: back from the bucket")
    migrate.add_argument("--dry-run", action="store_true", help="count the objects and bytes to copy; copy nothing")
    migrate.add_argument("--concurrency", type=_concurrency, default=CONCURRENCY, metavar="N",
                         help=f"objects copied at a time (default {CONCURRENCY})")
    migrate.add_argument("--quiet", action="store_true", help="no progress bar on standard error")
    migrate.add_argument("--force", action="store_true",
                         help="copy into the store the server already uses (brings back what was removed since)")
    remove = add_command(
        commands, "remove-remote", remove_remote,
        "remove cached partner media fetched from the partner more than N days ago; they are fetched again on demand",
    )
    remove.add_argument("--days", type=_days, default=None, metavar="N",
                        help="default: [media] remote_cache_days (0 keeps everything)")


def _concurrency(value: str) -> int:
    number = int(value) if value.isdigit() else 0
    if not 1 <= number <= 64:
        raise argparse.ArgumentTypeError("a number from 1 to 64")
    return number


def _days(value: str) -> int:
    if not value.isdigit() or int(value) > 3650:
        raise argparse.ArgumentTypeError("a number of days from 0 to 3650")
    return int(value)


async def check(args: argparse.Namespace, settings: Settings) -> int:
    store = build_media_store(settings)
    secret = settings.media.s3_secret_access_key
    print(f"Checking the media store: {store.describe()}")

    def report(step: Step) -> None:
        print(f"  {step.name:<7} {'ok' if step.ok else 'FAILED'}: {scrub(step.message, secret)}")
        if not step.ok:
            print(f"insideout: error: media check failed at step {step.name!r}: {scrub(step.message, secret)}",
                  file=sys.stderr)

    if not await check_store(store, report):
        return 1
    print("The media store works.")
    return 0


def stores_for(settings: Settings, target: str) -> tuple[MediaStore, MediaStore]:
    """(source, destination): the local directory and the configured bucket, ``target`` last."""
    if not settings.media.s3_bucket:
        raise CommandFailed("set [media] s3_bucket (and s3_endpoint, s3_access_key_id, s3_secret_access_key)"
                            " to the bucket to migrate with", 2)
    from server.media.s3 import S3MediaStore  # obstore loads only where a bucket is configured

    local, bucket = LocalMediaStore(settings.data_dir), S3MediaStore(settings.media)
    return (local, bucket) if target == "s3" else (bucket, local)


async def migrate_media(args: argparse.Namespace, settings: Settings) -> int:
    if settings.media.storage == args.to and not args.force:
        # The old store still holds what the server removed since the switch: deleted posts' media,
        # replaced avatars. Copying it into the live store would bring them back.
        raise CommandFailed(f'[media] storage is already "{args.to}": copying into the store in use would bring'
                            " back media removed since the switch. Run it before switching, or pass --force", 2)
    source, destination = stores_for(settings, args.to)
    secret = settings.media.s3_secret_access_key
    print(f"From {source.describe()}\n  to {destination.describe()}")
    try:
        listing = await list_both(source, destination)
    except MediaStoreUnavailable as exc:
        raise CommandFailed(f"could not list the stores: {scrub(explain(exc), secret)}", 1) from None
    if args.dry_run:
        for line in dry_run_lines(listing):
            print(line)
        return 0
    with ProgressBar(sys.stderr, quiet=args.quiet, unit="objects") as bar:
        outcome = await Migration(source, destination, concurrency=args.concurrency, progress=bar.update).run(listing)
    for line in outcome_lines(outcome, listing):
        print(line)
    if not outcome.complete:
        for problem in outcome.problems:
            print(f"  {problem.key}: {scrub(problem.problem, secret)}", file=sys.stderr)
        raise CommandFailed(f"{len(outcome.problems)} objects did not verify (listed above); nothing was deleted."
                            " Fix the cause and run the command again: it copies only what is missing or differs",
                            1)
    print(*switch_lines(args.to), sep="\n")
    return 0


def dry_run_lines(listing: Listing) -> list[str]:
    same = set(listing.same_size())
    lines = []
    for prefix in PREFIXES:
        keys = [key for key in listing.source if key.startswith(prefix)]
        to_copy = [key for key in keys if key not in same]
        lines.append(f"  {prefix:<14} {len(keys)} objects ({_bytes(sum(listing.source[k] for k in keys))}),"
                     f" {len(to_copy)} to copy ({_bytes(sum(listing.source[k] for k in to_copy))})")
    to_copy_all = [key for key in listing.source if key not in same]
    lines.append(f"would copy {len(to_copy_all)} of {len(listing.source)} objects"
                 f" ({_bytes(sum(listing.source[k] for k in to_copy_all))});"
                 f" {len(same)} are at the destination with the same size (their digests are compared when copying)")
    if listing.extra():
        lines.append(f"{len(listing.extra())} objects are at the destination only; they are left as they are")
    lines.append("dry run: nothing was copied")
    return lines


def outcome_lines(outcome: Outcome, listing: Listing) -> list[str]:
    lines = [f"copied {outcome.copied} objects ({_bytes(outcome.copied_bytes)}); {outcome.skipped} were already"
             f" at the destination ({_bytes(outcome.skipped_bytes)}); verified {outcome.verified} (size and SHA-256)"]
    if outcome.vanished:
        lines.append(f"{len(outcome.vanished)} objects were deleted from the source while copying; not copied")
    if listing.extra():
        lines.append(f"{len(listing.extra())} objects are at the destination only; they are left as they are")
    return lines


def switch_lines(target: str) -> list[str]:
    return [
        "Every object is at the destination. To switch, set in the config file:",
        "",
        "  [media]",
        f'  storage = "{target}"',
        "",
        "and restart every server and worker. If the server kept running during the copy, run this command once",
        "more just before the switch: it copies only what changed. The source is left as it was.",
    ]


def _bytes(count: int) -> str:
    if count < 1000:
        return f"{count} bytes"
    size = count / 1000
    for unit in ("KB", "MB", "GB"):
        if size < 1000:
            return f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


async def remove_remote(args: argparse.Namespace, settings: Settings) -> int:
    days = settings.media.remote_cache_days if args.days is None else args.days
    if days == 0:
        print("Nothing removed: 0 days keeps every cached partner file ([media] remote_cache_days).")
        return 0
    store = build_media_store(settings)
    async with opened_storage(settings) as storage:
        try:
            removed = await RemoteCacheCleanup(storage, store, days).remove_all()
        except MediaStoreUnavailable as exc:
            secret = settings.media.s3_secret_access_key
            raise CommandFailed(f"the media store failed: {scrub(explain(exc), secret)}; what was removed so far"
                                " stays removed, run the command again", 1) from None
    print(_removed_line(removed, days))
    return 0


def _removed_line(removed: Removed, days: int) -> str:
    return (f"Removed {removed.files} cached partner files ({removed.objects} objects) not fetched for {days} days;"
            " they are fetched again when someone looks.")
