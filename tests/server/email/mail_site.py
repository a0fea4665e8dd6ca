"""The real app with ``[email]`` pointing at the test's SMTP server, and its mail workers run by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from server.services.mail.digest import DigestWorker
from server.services.mail.service import mail_workers
from server.services.mail.worker import MailWorker
from storage.clock import utcnow
from storage.mail import QueuedMail
from tests.server.email.conftest import SmtpServer
from tests.server.helpers import app_for, serving, settings_for
from tests.server.web.staff_site import StaffSite

AWAY = timedelta(minutes=16)  # past the default away_minutes (15)


def _outside(request: httpx.Request) -> httpx.Response:
    return httpx.Response(202)


class MailSite(StaffSite):
    async def run_mail(self, *, later: timedelta = timedelta(0), at: datetime | None = None) -> int:
        """One pass of the mail worker as if it ran ``later`` from now (or ``at``)."""
        moment = at or utcnow() + later
        workers = mail_workers(self.state.storage, self.state.services.mail, worker_id="test", clock=lambda: moment)
        sender = next(w for w in workers if isinstance(w, MailWorker))
        return await sender.run_once()

    def digest_worker(self, at: datetime) -> DigestWorker:
        workers = mail_workers(self.state.storage, self.state.services.mail, worker_id="test", clock=lambda: at)
        return next(w for w in workers if isinstance(w, DigestWorker))

    async def outbox(self, username: str) -> list[QueuedMail]:
        return list(await self.state.storage.mail.for_account((await self.account(username)).id))


@asynccontextmanager
async def mail_site(tmp_path: Path, smtp: SmtpServer, **environ: str) -> AsyncIterator[MailSite]:
    app = app_for(settings_for(tmp_path, **smtp.environ(**environ)), httpx.MockTransport(_outside))
    async with serving(app) as client:
        yield MailSite(app, client)
