"""Reach is no read receipt: direct messages are not measured, small counts are hidden, no cell is derivable.

Given the company of ``world`` (sales 7, legal 2, one reader in no
department): a direct message read by its one recipient records nothing
and has no report for anyone; a followers-only post read by its one
follower reports exactly what it reported before that follower read; a
department nobody in it read is listed like one with a hidden reader; two
hidden cells of one reader each take the shown cell with them; and a
period out of range is a clear refusal on every edge, never a 500.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from server.cli import main
from server.services.analytics_privacy import Cell, suppressed
from storage.clock import utcnow
from storage.reach import View
from tests.server.analytics.world import World, company

pytestmark = pytest.mark.anyio

HIDDEN = {"count": None, "fewer_than": 5}


async def post(world: World, username: str, text: str, visibility: str) -> int:
    posted = await world.client.post("/api/v1/statuses", headers=world.tokens[username],
                                     json={"status": text, "visibility": visibility})
    assert posted.status_code == 200, posted.text
    return int(posted.json()["id"])


async def cli(world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
              *argv: str) -> tuple[int, str, str]:
    settings = world.state.settings
    monkeypatch.setenv("INSIDEOUT_STORAGE_DATABASE", settings.storage.database)
    monkeypatch.setenv("INSIDEOUT_STORAGE_DATA_DIR", settings.storage.data_dir)
    capsys.readouterr()
    code = await asyncio.to_thread(main, list(argv))
    printed = capsys.readouterr()
    return code, printed.out, printed.err


async def test_a_direct_message_read_by_its_recipient_is_neither_recorded_nor_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    async with company(tmp_path) as world:
        status_id = await post(world, "ceo", "@reader1 a private word", "direct")
        await world.get("reader1", f"/api/v1/statuses/{status_id}")
        await world.get("reader1", "/api/v1/notifications")
        async with world.web("reader1") as site:
            assert (await site.client.get(f"/@ceo/{status_id}")).status_code == 200
        await world.flush()
        assert await world.state.storage.reach.reach_by_post([status_id]) == {}

        # The author hears that direct messages are not counted; publishers and admins, 404 as for no post
        mine = await world.client.get(f"/api/v1/insideout/statuses/{status_id}/reach", headers=world.tokens["ceo"])
        assert mine.status_code == 404
        assert mine.json() == {"error": "Reach is not counted for direct messages"}
        missing = await world.client.get("/api/v1/admin/insideout/analytics/posts/1", headers=world.tokens["boss"])
        for analyst in ("boss", "pub"):
            refused = await world.client.get(f"/api/v1/admin/insideout/analytics/posts/{status_id}",
                                             headers=world.tokens[analyst])
            assert refused.status_code == 404
            assert refused.json() == missing.json()
        async with world.web("boss") as admin, world.web("ceo") as author:
            assert (await admin.client.get(f"/admin/analytics/posts/{status_id}")).status_code == 404
            assert (await admin.client.get(f"/admin/analytics/posts/{status_id}.csv")).status_code == 404
            own = await author.client.get(f"/@ceo/{status_id}")
            assert own.status_code == 200
            assert "a private word" in own.text
            assert "Seen by" not in own.text
        code, out, err = await cli(world, monkeypatch, capsys, "analytics", "reach", str(status_id))
        assert (code, out) == (2, "")
        assert "Reach is not counted for direct messages" in err


async def test_a_post_with_one_possible_reader_reports_the_same_before_and_after_they_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    async with company(tmp_path) as world:
        followed = await world.client.post(f"/api/v1/accounts/{world.ids['ceo']}/follow",
                                           headers=world.tokens["reader7"])
        assert followed.status_code == 200
        status_id = await post(world, "ceo", "For my one follower", "private")
        path = f"/api/v1/insideout/statuses/{status_id}/reach"

        async def seen() -> tuple[object, str, str, str]:
            report = (await world.get("ceo", path)).json()
            csv = (await world.get("ceo", path, format="csv")).text
            async with world.web("ceo") as author:
                page = (await author.client.get(f"/@ceo/{status_id}")).text
            code, out, _ = await cli(world, monkeypatch, capsys, "analytics", "reach", str(status_id))
            assert code == 0
            return report, csv, page.split('id="reach"', 1)[1].split("</section>", 1)[0], out

        before = await seen()
        await world.get("reader7", f"/api/v1/statuses/{status_id}")
        await world.get("reader7", "/api/v1/timelines/home")
        await world.flush()
        assert await world.state.storage.reach.reach_by_post([status_id]) == {status_id: 1}
        after = await seen()

        assert after == before
        report, csv, page, out = after
        assert isinstance(report, dict)
        assert report["reach"] == HIDDEN
        assert report["days"] == []
        assert {"department": "legal", **HIDDEN} in report["departments"]
        assert "reach,,total,<5" in csv
        assert "Seen by fewer than 5 colleagues" in page
        assert out.splitlines()[0] == "reach: fewer than 5"


async def test_small_days_and_running_totals_are_hidden_while_the_reach_shows(tmp_path: Path) -> None:
    async with company(tmp_path) as world:
        status_id = await post(world, "ceo", "Over two days", "public")
        today = utcnow().date()
        yesterday = (today - timedelta(days=1)).isoformat()
        await world.state.storage.reach.record(
            [View(status_id, yesterday, world.ids[f"reader{i}"]) for i in range(3)]
            + [View(status_id, today.isoformat(), world.ids[f"reader{i}"]) for i in range(3, 6)])

        report = (await world.get("boss", f"/api/v1/admin/insideout/analytics/posts/{status_id}")).json()
        assert report["reach"] == {"count": 6}
        assert report["days"] == [{"day": yesterday, "viewers": HIDDEN, "cumulative": HIDDEN},
                                  {"day": today.isoformat(), "viewers": HIDDEN, "cumulative": {"count": 6}}]
        csv = (await world.get("boss", f"/api/v1/admin/insideout/analytics/posts/{status_id}", format="csv")).text
        assert f"day,{yesterday},viewers,<5" in csv
        assert f"day,{today.isoformat()},cumulative,6" in csv
        async with world.web("boss") as admin:
            page = await admin.client.get(f"/admin/analytics/posts/{status_id}")
            assert page.status_code == 200
            assert f"<td>{yesterday}</td><td>fewer than 5</td>" in page.text
            assert '<dd id="reach-total">6</dd>' in page.text


async def test_every_department_is_listed_whether_anyone_in_it_read_or_not(tmp_path: Path) -> None:
    async with company(tmp_path) as world:
        sales_only = await post(world, "ceo", "Read in sales alone", "public")
        for i in range(7):
            await world.get(f"reader{i}", f"/api/v1/statuses/{sales_only}")
        await world.flush()

        report = (await world.get("boss", f"/api/v1/admin/insideout/analytics/posts/{sales_only}")).json()
        # nobody in legal, nobody in no department read: both are listed, hidden as a small group would be
        assert report["departments"] == [{"department": "legal", **HIDDEN}, {"department": "sales", "count": 7},
                                         {"department": None, **HIDDEN}]
        adoption = (await world.get("boss", "/api/v1/admin/insideout/analytics/adoption")).json()
        assert [cell["department"] for cell in adoption["departments"]] == ["legal", "sales", None]


async def test_two_hidden_cells_of_one_each_take_the_shown_cell_with_them(tmp_path: Path) -> None:
    async with company(tmp_path) as world:
        status_id = await post(world, "ceo", "hello all", "public")
        # sales 7, legal 1 (reader7), no department 1 (nosy): 9 - 7 would say "one in legal, one elsewhere"
        for username in [f"reader{i}" for i in range(8)] + ["nosy"]:
            await world.get(username, f"/api/v1/statuses/{status_id}")
        await world.flush()

        report = (await world.get("boss", f"/api/v1/admin/insideout/analytics/posts/{status_id}")).json()
        assert report["reach"] == {"count": 9}
        assert report["departments"] == [{"department": "legal", **HIDDEN}, {"department": "sales", **HIDDEN},
                                         {"department": None, **HIDDEN}]
        csv = (await world.get("boss", f"/api/v1/admin/insideout/analytics/posts/{status_id}", format="csv")).text
        assert "department,sales,viewers,<5" in csv


def test_complementary_suppression_hides_until_the_hidden_cells_hold_the_threshold() -> None:
    assert suppressed({"a": 7, "b": 1, "c": 1}, 5) == {"a": Cell(None, 5), "b": Cell(None, 5), "c": Cell(None, 5)}
    # 1 + 1 hidden: the 6 goes too (8 hidden together), and the 20 may show
    assert suppressed({"a": 20, "b": 6, "c": 1, "d": 1}, 5) == {
        "a": Cell(20), "b": Cell(None, 5), "c": Cell(None, 5), "d": Cell(None, 5)}
    # nothing in the hidden cells: nothing to derive, nothing more hidden
    assert suppressed({"a": 7, "b": 0}, 5) == {"a": Cell(7), "b": Cell(None, 5)}


async def test_a_period_out_of_range_is_a_clear_refusal_everywhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    async with company(tmp_path) as world:
        status_id = await post(world, "ceo", "In time", "public")
        future = (utcnow().date() + timedelta(days=30)).isoformat()
        far = (utcnow().date() + timedelta(days=800)).isoformat()
        api = "/api/v1/admin/insideout/analytics"
        for path in (f"{api}/adoption", f"{api}/departments/sales", f"{api}/posts/{status_id}",
                     f"{api}/authors/{world.ids['ceo']}", f"{api}/campaigns/allhands",
                     f"/api/v1/insideout/statuses/{status_id}/reach"):
            for params, message in (
                    ({"since": future}, "since must not be after until (today, when until is not given)"),
                    ({"until": "0001-01-03"}, "until must be between 2000-01-01 and "),
                    ({"since": "1999-12-31", "until": "2000-01-02"}, "since must be between 2000-01-01 and "),
                    ({"until": far}, "until must be between 2000-01-01 and "),
                    ({"since": "9999-12-31"}, "since must be between 2000-01-01 and ")):
                refused = await world.client.get(path, params=params, headers=world.tokens["boss"])
                assert refused.status_code == 422, (path, params, refused.text)
                assert refused.json()["error"].startswith(message)
        # a future period within the year is no error when until is given: empty weeks, not a crash
        ahead = await world.get("boss", f"{api}/adoption", since=future, until=future)
        assert len(ahead.json()["weeks"]) == 1

        async with world.web("boss") as admin:
            for path in (f"/admin/analytics?since={future}", "/admin/analytics?until=0001-01-03",
                         "/admin/analytics/departments/sales?until=0001-01-03",
                         f"/admin/analytics/departments/sales.csv?since={future}"):
                page = await admin.client.get(path)
                assert page.status_code == 422, (path, page.text)
                assert "must" in page.text

        for argv in (("adoption", "--since", future), ("adoption", "--until", "0001-01-03"),
                     ("reach", str(status_id), "--until", "0001-01-03"), ("campaign", "x", "--since", future)):
            code, out, err = await cli(world, monkeypatch, capsys, "analytics", *argv)
            assert code == 2, argv
            assert out == ""
            assert "must" in err and "Traceback" not in err
