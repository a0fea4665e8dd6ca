"""The weekly digest: for each person who wants it, the week's most engaged posts they can read.

Once a week (``[email] digest_weekday`` and ``digest_hour``, UTC) the first
worker to look opens that ISO week's run, a stored row (``mail_digest_runs``),
so the digest runs once whatever the number of workers. Whoever holds the
run's lease queues one batch of people (by account id, after the run's
cursor), then moves the cursor; a worker that dies leaves the lease to run
out and another goes on from the cursor. Mails carry a per-week dedupe key,
so a batch done twice mails nobody twice.

Per person: of the week's local posts with any favourite, boost or reply
(not replies themselves, not boosts, not direct), those by accounts they
follow (a department's members follow it) or addressed to one of their
departments; a followers-only post only if they follow its author; nothing
by someone they block or mute or who blocks them, nor their own. The top
``TOP`` by favourites + boosts + replies. Nobody gets an empty digest.
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


def choose(candidates: Sequence[DigestCandidate], person: int, circle: DigestCircle, top: int = TOP) -> list[DigestCandidate]:
    """The person's digest from the week's candidates (already most engaged first)."""
    chosen = []
    for post in candidates:
        author = post.author_id
        if author == person or author in circle.hidden:
            continue
        # A followers-only post reaches its author's followers and the departments it is addressed to, so
        # "followed or addressed" is also what makes it readable.
        follows = author in circle.following
        addressed = bool(circle.departments.intersection(post.department_ids)) or author in circle.departments
        if not (follows or addressed):
            continue
        chosen.append(post)
        if len(chosen) == top:
            break
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
        chosen = {p.account_id: choose(candidates, p.account_id, circles[p.account_id]) for p in people
                  if p.account_id in circles}
        mails = await self._mails(run, people, chosen, now)
        await self._storage.mail.enqueue(mails, now)
        return len(people), len(mails), people[-1].account_id, len(people) < self._batch

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
                     and statuses[c.status_id].account_id in authors]
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
