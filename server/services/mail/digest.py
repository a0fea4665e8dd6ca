"""The weekly digest: for each person who wants it, the week's most engaged posts they can read.

Once a week (``[email] digest_weekday`` and ``digest_hour``, UTC) the first
worker to look opens that ISO week's run, a stored row (``mail_digest_runs``),
so the digest runs once whatever the number of workers. Whoever holds the
run's lease queues one batch of people (by account id, after the run's
cursor), then moves the cursor; a worker that dies leaves the lease to run
out and another goes on from the cursor. Mails carry a per-week dedupe key,
so a batch done twice mails nobody twice.

Per person: of the week's local posts with any favourite, boost or reply
(not replies themselves, not boosts, not direct), those of interest to
them — by accounts they follow, by one of their departments, or addressed
to one of their departments — and nothing by someone they block or mute or
who blocks them, nor their own, nor by an account deleted or deactivated
since. Interest is not permission: what is left goes through the one
visibility rule (``TimelineStore.visible_ids``, as ``GET
/api/v1/statuses/:id`` does) at the moment the mail is written, so a
followers-only post reaches only those who may read it (a department's
members do not follow it by being members), and a post deleted since the
week's candidates were gathered is left out. The top ``TOP`` by favourites
+ boosts + replies. Nobody gets an empty digest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from server.config import EmailSettings
from server.services.mail.compose import MailWriter
from server.services.mail.kinds import default_for
from server.services.mail.unsubscribe import MailLinks
from storage.clock import utcnow
from storage.mail import DigestCandidate, DigestCircle, DigestRun, MailKind, NewMail, Recipient
from storage.protocols import Storage

TOP = 5
CANDIDATES = 1_000
WEEK = timedelta(days=7)


def week_of(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def due_week(now: datetime, weekday: int, hour: int) -> str | None:
    """This ISO week's key once its digest moment has come, else None."""
    if (now.weekday(), now.hour) < (weekday, hour):
        return None
    return week_of(now)


def relevant(
    candidates: Sequence[DigestCandidate], person: int, circle: DigestCircle, gone: frozenset[int] = frozenset()
) -> list[DigestCandidate]:
    """The week's candidates (already most engaged first) of interest to the person, in that order.

    Only interest: whether the person may read each one is asked afterwards (``DigestBuilder``).
    """
    chosen = []
    for post in candidates:
        author = post.author_id
        if author == person or author in circle.hidden or author in gone:
            continue
        follows = author in circle.following or author in circle.departments
        addressed = bool(circle.departments.intersection(post.department_ids))
        if follows or addressed:
            chosen.append(post)
    return chosen


class DigestBuilder:
    """Queues one batch of digests for a run; shared by the worker and ``insideout email digest --now``."""

    def __init__(self, storage: Storage, writer: MailWriter, links: MailLinks, *, batch: int = 200) -> None:
        self._storage = storage
        self._writer = writer
        self._links = links
        self._batch = batch
        self._candidates: dict[str, Sequence[DigestCandidate]] = {}

    async def batch(self, run: DigestRun, now: datetime) -> tuple[int, int, int, bool]:
        """(people looked at, mails queued, the last person's id, finished) for the next batch of ``run``."""
        kind = MailKind.DIGEST
        people = await self._storage.mail.digest_recipients(run.after_account_id, self._batch, default_for(kind))
        if not people:
            self._candidates.pop(run.week, None)
            return 0, 0, run.after_account_id, True
        candidates = await self._week_candidates(run)
        circles = await self._storage.mail.digest_circles([p.account_id for p in people]) if candidates else {}
        gone = await self._storage.mail.gone_authors(sorted({c.author_id for c in candidates}))
        chosen = {p.account_id: await self._readable(
            p.account_id, relevant(candidates, p.account_id, circles[p.account_id], gone))
            for p in people if p.account_id in circles}
        mails = await self._mails(run, people, chosen, now)
        await self._storage.mail.enqueue(mails, now)
        return len(people), len(mails), people[-1].account_id, len(people) < self._batch

    async def _readable(self, person: int, posts: Sequence[DigestCandidate], top: int = TOP) -> list[DigestCandidate]:
        """The first ``top`` of ``posts`` the person may read now (not deleted, visible to them, no block)."""
        chosen: list[DigestCandidate] = []
        step = top * 2
        for start in range(0, len(posts), step):
            chunk = posts[start:start + step]
            visible = await self._storage.timelines.visible_ids(person, [c.status_id for c in chunk])
            chosen.extend(c for c in chunk if c.status_id in visible)
            if len(chosen) >= top:
                break
        return chosen[:top]

    async def _week_candidates(self, run: DigestRun) -> Sequence[DigestCandidate]:
        if run.week not in self._candidates:
            self._candidates = {run.week: await self._storage.mail.digest_candidates(
                run.started_at - WEEK, run.started_at, CANDIDATES)}
        return self._candidates[run.week]

    async def _mails(
        self, run: DigestRun, people: Sequence[Recipient], chosen: dict[int, list[DigestCandidate]], now: datetime
    ) -> list[NewMail]:
        wanted = sorted({post.status_id for posts in chosen.values() for post in posts})
        statuses = await self._storage.statuses.get_many(wanted)
        authors = await self._storage.accounts.get_many(sorted({s.account_id for s in statuses.values()}))
        mails = []
        for person in people:
            posts = [self._writer.post(statuses[c.status_id], authors[statuses[c.status_id].account_id], c.score)
                     for c in chosen.get(person.account_id, ()) if c.status_id in statuses
                     and statuses[c.status_id].deleted_at is None and statuses[c.status_id].account_id in authors]
            if not posts:
                continue
            link = await self._links.unsubscribe_url(person.account_id, MailKind.DIGEST)
            written = self._writer.digest(posts, unsubscribe_url=link)
            mails.append(NewMail(person.account_id, person.address, MailKind.DIGEST, written.subject, written.text,
                                 written.html, link, now, dedupe_key=f"digest:{run.week}:{person.account_id}"))
        return mails


class DigestWorker:
    """Implements ``server.workers.Worker``: opens the week's run when due and queues it batch by batch."""

    name = "mail-digest"

    def __init__(
        self, storage: Storage, settings: EmailSettings, builder: DigestBuilder, *, worker_id: str = "mail-digest",
        clock: Callable[[], datetime] = utcnow, lease: timedelta = timedelta(minutes=5), idle_seconds: float = 60.0,
    ) -> None:
        self._storage = storage
        self._settings = settings
        self._builder = builder
        self.worker_id = worker_id
        self._clock = clock
        self._lease = lease
        self.idle_seconds = idle_seconds

    async def run_once(self) -> int:
        now = self._clock()
        week = due_week(now, self._settings.digest_weekday, self._settings.digest_hour)
        if week is not None and await self._storage.mail.digest_run(week) is None:
            await self._storage.mail.start_digest(week, now)
        run = await self._storage.mail.claim_digest(self.worker_id, now, now + self._lease)
        if run is None:
            return 0
        looked, queued, last, finished = await self._builder.batch(run, now)
        await self._storage.mail.advance_digest(run.week, self.worker_id, last, queued, now if finished else None)
        return looked
