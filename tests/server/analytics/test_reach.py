"""Reach: ten colleagues shown a post through ten doors, some twice, count ten; no one learns who.

Given the CEO's all-hands post, read by readers 0-9 through the home and
local timelines, a hashtag, a thread, a single fetch, a favourite, a
notification, a stream event and the web app; when this process's views
are flushed; then its reach is exactly ten everywhere it is shown, the
department breakdown hides legal (2) and those in no department (1) (and
sales with them, as 10 - 7 would tell those two), and nothing an eleventh
colleague, or anyone, can fetch names a reader.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path

import pytest

from server.cli import main
from server.mastodon.stream_render import render_cache
from tests.server.analytics.world import READERS, World, company, ten_colleagues_read
from tests.server.api.live import SseReader

pytestmark = pytest.mark.anyio


def names_no_reader(world: World, text: str) -> None:
    """No reader's username or id in ``text``; the post's own words (which mention @reader6) aside."""
    text = text.replace("@reader6", "")
    for username in READERS:
        assert username not in text
    for username in READERS:
        assert re.search(rf"\b{world.ids[username]}\b", text) is None


async def test_ten_colleagues_through_different_paths_are_a_reach_of_ten(tmp_path: Path) -> None:
    async with company(tmp_path) as world:
        status_id = await ten_colleagues_read(world)
        await world.flush()

        # The author sees the reach of their own post
        mine = await world.get("ceo", f"/api/v1/insideout/statuses/{status_id}/reach")
        assert mine.json()["reach"] == {"count": 10}
        assert mine.json()["days"][0]["cumulative"] == {"count": 10}
        assert mine.json()["engagement"]["favourites"] == 1
        assert mine.json()["engagement"]["replies"] == 1
        # Publishers and admins see it through the admin API
        for analyst in ("boss", "pub"):
            report = await world.get(analyst, f"/api/v1/admin/insideout/analytics/posts/{status_id}")
            assert report.json()["reach"] == {"count": 10}


async def test_the_department_breakdown_hides_groups_under_five(tmp_path: Path) -> None:
    async with company(tmp_path) as world:
        status_id = await ten_colleagues_read(world)
        await world.flush()

        report = await world.get("boss", f"/api/v1/admin/insideout/analytics/posts/{status_id}")
        # legal 2 and no department 1 are hidden; 10 - 7 would give away that they hold three, so sales goes too
        assert report.json()["departments"] == [
            {"department": "legal", "count": None, "fewer_than": 5},
            {"department": "sales", "count": None, "fewer_than": 5},
            {"department": None, "count": None, "fewer_than": 5}]
        # Three more readers in no department: the hidden cells hold six together, and sales may show
        for username in ("nosy", "boss", "pub"):
            await world.get(username, f"/api/v1/statuses/{status_id}")
        await world.flush()
        report = await world.get("boss", f"/api/v1/admin/insideout/analytics/posts/{status_id}")
        departments = report.json()["departments"]
        assert {"department": "sales", "count": 7} in departments
        assert {"department": "legal", "count": None, "fewer_than": 5} in departments
        assert {"department": None, "count": None, "fewer_than": 5} in departments
        csv = await world.get("boss", f"/api/v1/admin/insideout/analytics/posts/{status_id}", format="csv")
        assert "department,legal,viewers,<5" in csv.text
        assert "department,sales,viewers,7" in csv.text
        assert "reach,,total,13" in csv.text


async def test_nothing_tells_an_eleventh_colleague_or_anyone_who_the_readers_were(tmp_path: Path) -> None:
    async with company(tmp_path) as world:
        status_id = await ten_colleagues_read(world)
        await world.flush()
        ceo, sales = world.ids["ceo"], "sales"

        # nosy, a plain employee, hears 404 for the reach of someone else's post, 403 from the admin API
        reach = await world.client.get(f"/api/v1/insideout/statuses/{status_id}/reach", headers=world.tokens["nosy"])
        assert reach.status_code == 404
        missing = await world.client.get("/api/v1/insideout/statuses/1/reach", headers=world.tokens["nosy"])
        assert reach.json() == missing.json()
        for path in (f"posts/{status_id}", f"authors/{ceo}", f"departments/{sales}", "campaigns/allhands", "adoption"):
            refused = await world.client.get(f"/api/v1/admin/insideout/analytics/{path}", headers=world.tokens["nosy"])
            assert refused.status_code == 403
        # Every report, page and CSV an admin gets holds counts, never a reader
        for path in (f"posts/{status_id}", f"authors/{ceo}", f"departments/{sales}", "campaigns/allhands", "adoption"):
            for output in ("json", "csv"):
                answer = await world.get("boss", f"/api/v1/admin/insideout/analytics/{path}", format=output)
                names_no_reader(world, answer.text)
        names_no_reader(world, (await world.get("ceo", f"/api/v1/insideout/statuses/{status_id}/reach")).text)
        async with world.web("boss") as admin, world.web("nosy") as nosy:
            for path in ("/admin/analytics", "/admin/analytics.csv", f"/admin/analytics/posts/{status_id}",
                         f"/admin/analytics/posts/{status_id}.csv", f"/admin/analytics/authors/{ceo}",
                         f"/admin/analytics/departments/{sales}", f"/admin/analytics/departments/{sales}.csv",
                         "/admin/analytics/campaigns/allhands", "/admin/analytics/campaigns/allhands?format=csv"):
                shown = await admin.client.get(path)
                assert shown.status_code == 200, (path, shown.text)
                names_no_reader(world, shown.text)
                assert (await nosy.client.get(path)).status_code == 403
            overview = await admin.client.get(f"/admin/analytics/posts/{status_id}")
            assert '<dd id="reach-total">10</dd>' in overview.text
            assert "fewer than 5" in overview.text


async def test_the_author_sees_seen_by_ten_colleagues_on_their_post_page(tmp_path: Path) -> None:
    async with company(tmp_path) as world:
        status_id = await ten_colleagues_read(world)
        await world.flush()

        async with world.web("ceo") as author, world.web("reader1") as reader:
            own = await author.client.get(f"/@ceo/{status_id}")
            assert "Seen by 10 colleagues" in own.text
            names_no_reader(world, own.text.split('id="reach"', 1)[1].split("</section>", 1)[0])
            # Someone else's post page says nothing of its reach
            theirs = await reader.client.get(f"/@ceo/{status_id}")
            assert "Seen by" not in theirs.text


async def test_the_cli_prints_reach_ten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    async with company(tmp_path) as world:
        status_id = await ten_colleagues_read(world)
        await world.flush()
        settings = world.state.settings
        monkeypatch.setenv("INSIDEOUT_STORAGE_DATABASE", settings.storage.database)
        monkeypatch.setenv("INSIDEOUT_STORAGE_DATA_DIR", settings.storage.data_dir)
        capsys.readouterr()

        code = await asyncio.to_thread(main, ["analytics", "reach", str(status_id)])
        printed = capsys.readouterr().out
        assert code == 0
        assert printed.splitlines()[0] == "reach: 10"
        names_no_reader(world, printed)
        code = await asyncio.to_thread(main, ["analytics", "campaign", "#AllHands"])
        assert code == 0
        assert "reach: 10" in capsys.readouterr().out
        code = await asyncio.to_thread(main, ["analytics", "adoption"])
        adoption = capsys.readouterr().out
        assert code == 0
        assert "department @sales: 7" in adoption


async def test_a_stream_render_shared_by_several_viewers_counts_each_of_them(tmp_path: Path) -> None:
    async with company(tmp_path) as world:
        async with contextlib.AsyncExitStack() as streams:
            readers = []
            for username in ("reader1", "reader2", "reader3"):
                response = await streams.enter_async_context(world.client.stream(
                    "GET", "/api/v1/streaming/public/local", headers=world.tokens[username]))
                reader = SseReader(response)
                await reader.opened()
                readers.append(reader)
            posted = await world.client.post("/api/v1/statuses", headers=world.tokens["ceo"],
                                             json={"status": "Coffee is free today", "visibility": "public"})
            status_id = int(posted.json()["id"])
            for reader in readers:
                assert (await reader.next_event())[0] == "update"
        await world.flush()

        assert (await world.state.storage.reach.reach_by_post([status_id])) == {status_id: 3}
        reach = await world.get("ceo", f"/api/v1/insideout/statuses/{status_id}/reach")
        assert reach.json()["reach"] == {"count": None, "fewer_than": 5}  # three is under the threshold
        # one render served all three (server/mastodon/stream_render.py), yet each was shown the post
        assert render_cache(world.app.state).started["shared"] == 1



async def test_adoption_counts_the_weeks_readers_and_posters(tmp_path: Path) -> None:
    async with company(tmp_path) as world:
        await ten_colleagues_read(world)
        await world.flush()

        adoption = (await world.get("pub", "/api/v1/admin/insideout/analytics/adoption")).json()
        this_week = adoption["weeks"][-1]
        # the ten readers, and the CEO shown the publisher's reply in the thread; the CEO and the publisher posted
        assert this_week == {"week": this_week["week"], "active": 12, "posting": 2, "reading": 11}
        assert len(adoption["weeks"]) == 12
        assert {"department": "sales", "count": 7} in adoption["departments"]
        assert {"department": "legal", "count": None, "fewer_than": 5} in adoption["departments"]


async def test_a_bad_period_or_format_is_a_clear_error(tmp_path: Path) -> None:
    async with company(tmp_path) as world:
        base = "/api/v1/admin/insideout/analytics/adoption"
        for params, message in (({"since": "yesterday"}, "since must be a date, YYYY-MM-DD"),
                                ({"since": "2026-03-09", "until": "2026-03-02"}, "since must not be after until"),
                                ({"format": "xml"}, "format must be json or csv")):
            refused = await world.client.get(base, params=params, headers=world.tokens["boss"])
            assert refused.status_code == 422
            assert refused.json() == {"error": message}
        unknown = await world.client.get("/api/v1/admin/insideout/analytics/departments/nope",
                                         headers=world.tokens["boss"])
        assert unknown.status_code == 404
