"""The staff web app's page weight: bytes of the /home HTML plus app.css and app.js, uncompressed, no web fonts.

The home page shows 20 posts as staff write them (a few sentences with a
link, a hashtag and a mention; one in four with an image and its
description; one with a content warning, one with a poll), made through
the API of the real app, in-process. Baseline in the same run: the API's
JSON of the same 20 posts (``GET /api/v1/timelines/home?limit=20``), what
a Mastodon app downloads for the same screen.

Goal: HTML + CSS + JS <= 100 KB (102,400 bytes), and no web font (no
``@font-face`` and no font file loaded by the stylesheet or the page).

Run: .venv/bin/python bench/web_page_weight.py [--database URL-or-path]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from bench.common import add_database_option, backend_of, emit, fresh_database  # noqa: E402
from server.signin.sessions import session_cookie_name  # noqa: E402
from tests.server.helpers import app_for, serving, settings_for, staff_token  # noqa: E402

GOAL_BYTES = 100 * 1024
POSTS = 20
TEXT = ("Quick update from the {n} team: the new onboarding guide is live at https://intranet.example/guide/{n}; "
        "please read the section on expenses before Friday. Questions to @{colleague} or in #onboarding.")
WEB_FONT = re.compile(r"@font-face|\.woff2?\b|\.ttf\b|\.otf\b|fonts\.googleapis", re.IGNORECASE)


def _image() -> bytes:
    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (640, 400), (70, 110, 160)).save(data, format="PNG")
    return data.getvalue()


async def _posts(client: httpx.AsyncClient, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    for n in range(POSTS):
        body: dict[str, object] = {"status": TEXT.format(n=n, colleague="reader"), "visibility": "public"}
        if n % 4 == 0:
            media = await client.post("/api/v2/media", headers=auth, files={"file": ("chart.png", _image(), "image/png")},
                                      data={"description": f"A chart of the onboarding progress in week {n}"})
            media.raise_for_status()
            body["media_ids"] = [media.json()["id"]]
        if n == 5:
            body["spoiler_text"] = "Long read"
        if n == 7:
            body["poll"] = {"options": ["Monday", "Tuesday", "Wednesday"], "expires_in": 86400}
        (await client.post("/api/v1/statuses", headers=auth, json=body)).raise_for_status()


async def measure(folder: Path, database: str) -> dict[str, int | bool]:
    app = app_for(settings_for(folder, INSIDEOUT_STORAGE_DATABASE=database))
    async with serving(app) as client:
        state = app.state.insideout
        writer = await staff_token(app, "writer")
        reader = await staff_token(app, "reader")
        auth = {"Authorization": f"Bearer {reader}"}
        writer_id = (await client.get("/api/v1/accounts/lookup", params={"acct": "writer"}, headers=auth)).json()["id"]
        (await client.post(f"/api/v1/accounts/{writer_id}/follow", headers=auth)).raise_for_status()
        await _posts(client, writer)
        account = await state.storage.accounts.get_local("reader")
        cookie = f"{session_cookie_name(state.settings)}={await state.services.web_sessions.start(account.id)}"
        page = await client.get("/home", headers={"Cookie": cookie})
        assert page.status_code == 200, page.text[:300]
        shown = len(re.findall(r'<article class="status[^"]*" id="status-\d+"', page.text))
        assert shown == POSTS, f"the page shows {shown} posts"
        css = await client.get("/static/app.css")
        js = await client.get("/static/app.js")
        api = await client.get(f"/api/v1/timelines/home?limit={POSTS}", headers=auth)
        assert len(api.json()) == POSTS
    fonts = bool(WEB_FONT.search(css.text) or WEB_FONT.search(page.text))
    return {"html": len(page.content), "css": len(css.content), "js": len(js.content), "api": len(api.content),
            "web_fonts": fonts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_option(parser)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="insideout-web-weight-"))
    database = fresh_database(args.database, folder, "web_weight")
    sizes = asyncio.run(measure(folder, database))
    total = int(sizes["html"]) + int(sizes["css"]) + int(sizes["js"])
    print(f"/home with {POSTS} posts, uncompressed:")
    print(f"  HTML {sizes['html']:,} B + app.css {sizes['css']:,} B + app.js {sizes['js']:,} B = {total:,} B "
          f"(goal <= {GOAL_BYTES:,} B); web fonts: {'YES' if sizes['web_fonts'] else 'none'}")
    print(f"  baseline: the API's JSON of the same {POSTS} posts {sizes['api']:,} B; "
          f"page / JSON = {total / int(sizes['api']):.2f}x (HTML alone {int(sizes['html']) / int(sizes['api']):.2f}x)")
    print("  command: .venv/bin/python bench/web_page_weight.py" + (f" --database {args.database}" if args.database else ""))
    backend = backend_of(args.database)
    emit("web /home + css + js bytes", total / 1024, "KB", f"<= {GOAL_BYTES // 1024} KB", backend)
    emit("web /home HTML / API JSON", int(sizes["html"]) / int(sizes["api"]), "x", "", backend)
    emit("web fonts", 1.0 if sizes["web_fonts"] else 0.0, "count", "0", backend)


if __name__ == "__main__":
    main()
