"""A partner server behind ``httpx.MockTransport`` serving JSON, images and HTML, plus a real app wired to it.

Our own code runs for real: the app, its lifespan, SQLite on a temporary
file, and the SSRF-guarded outbound client (with a table resolver, so that
``evil.example`` points into our own network).
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from starlette.applications import Starlette

from federation.handlers import default_handlers
from federation.handlers.statuses import StatusHandlers
from federation.http import build_http_client
from federation.inbox import InboxWorker
from server.activitypub.inbound import inbound_for
from server.app import create_app
from server.http_client import outbound_settings
from server.mastodon.remote_media import media_cache_for
from server.services.cards import CardWorker
from storage import open_storage
from tests.federation.inbound_helpers import BASE_URL, body_of, resolve, signed_headers
from tests.server.helpers import serving, settings_for

SECRET = "Insideout-partner-GPS-marker"


def jpeg_with_exif(width: int = 80, height: int = 60) -> bytes:
    image = Image.new("RGB", (width, height), (20, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = SECRET  # Make
    exif[0x010E] = SECRET  # ImageDescription
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=SECRET.encode())
    return buffer.getvalue()


@dataclass
class Partner:
    """Everything outside: answers by URL, and remembers every request it was sent."""

    answers: dict[str, httpx.Response] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def json(self, url: str, document: Any) -> None:
        self.answers[url] = httpx.Response(
            200, content=json.dumps(document).encode(), headers={"content-type": "application/activity+json"}
        )

    def file(self, url: str, body: bytes, content_type: str, status: int = 200) -> None:
        self.answers[url] = httpx.Response(status, content=body, headers={"content-type": content_type})

    def urls(self) -> list[str]:
        return [str(request.url) for request in self.requests]

    def hits(self, url: str) -> int:
        return self.urls().count(url)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.get(str(request.url.copy_with(fragment=None)))
        if answer is None:
            return httpx.Response(404, json={"error": "not found"})
        return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)


@dataclass
class Running:
    app: Starlette
    client: httpx.AsyncClient
    partner: Partner

    @property
    def state(self) -> Any:
        return self.app.state.insideout

    async def deliver(self, activity: dict[str, Any], key_id: str) -> str | None:
        """POST it signed to our shared inbox and process it with the status handlers."""
        body = body_of(activity)
        response = await self.client.post("/inbox", content=body, headers=signed_headers("/inbox", body, key_id))
        assert response.status_code == 202, response.text
        handlers = StatusHandlers(self.state.services.distribution).register(default_handlers())
        worker = InboxWorker(self.state.storage, handlers, inbound_for(self.app).actors, base_url=BASE_URL)
        assert await worker.run_once() >= 1
        item = await self.state.storage.inbox.get_by_dedupe_key(activity["id"])
        return None if item is None else item.note

    def card_worker(self) -> CardWorker:
        return CardWorker(self.state.storage, self.state.http, media_cache_for(self.app))


@asynccontextmanager
async def running(tmp_path: Path, partner: Partner, **environ: str) -> AsyncIterator[Running]:
    settings = settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL=BASE_URL, **environ)
    http = build_http_client(outbound_settings(settings), transport=httpx.MockTransport(partner), resolver=resolve)
    app = create_app(settings, open_storage(settings.storage.database), http, workers=[])
    async with serving(app) as client:
        yield Running(app, client, partner)
