"""Outside engagement with published posts: by post, by department, by month, as JSON and CSV.

Given a published post announced by a department, liked, replied to and
boosted from two partner domains (and liked by staff, which is not outside
engagement), plus a published post nobody reacted to and an internal post;
when an admin asks for engagement; then the counts are exact per domain,
the department and the months add up, and the CSV has a header and quotes
what needs quoting.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storage.models import NewStatus, Status, Visibility
from tests.server.api.admin_world import IO, AdminWorld, admin_world

pytestmark = pytest.mark.anyio
LAST_YEAR = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)


async def post(w: AdminWorld, username: str, text: str) -> Status:
    author = await w.local(username)
    return await w.storage.statuses.create(NewStatus(account_id=author.id, visibility=Visibility.PUBLIC, text=text,
                                                     content=f"<p>{text}</p>"))


async def world_with_reactions(w: AdminWorld) -> tuple[Status, Status]:
    sales = await w.state.services.departments.create("sales", 'Sales, "EMEA"')
    launch = await post(w, "sam", "launch")
    quiet = await post(w, "pia", "quiet")
    internal = await post(w, "sam", "internal")
    await w.state.services.publication.publish(launch.id, by="cli:test", announcers=[sales.username], reason=None)
    await w.state.services.publication.publish(quiet.id, by="cli:test", announcers=[], reason=None)
    pat, kim = await w.remote("pat", "partner.example"), await w.remote("kim", "partner.example")
    oz = await w.remote("oz", "other.example")
    for liker in (pat, oz):
        await w.storage.interactions.add("favourite", liker.id, launch.id)
    await w.storage.interactions.add("favourite", (await w.local("ada")).id, launch.id)  # staff: not outside
    await w.storage.interactions.add("favourite", pat.id, internal.id)  # never published: not counted
    await w.storage.statuses.create(NewStatus(
        account_id=kim.id, visibility=Visibility.PUBLIC, local=False, text="congrats", in_reply_to_id=launch.id,
        uri="https://partner.example/notes/9", created_at=LAST_YEAR))
    await w.storage.statuses.create(NewStatus(
        account_id=oz.id, visibility=Visibility.PUBLIC, local=False, reblog_of_id=launch.id,
        uri="https://other.example/boosts/1"))
    return launch, quiet


async def report(w: AdminWorld, group: str) -> list[dict[str, Any]]:
    response = await w.client.get(f"{IO}/engagement", headers=w.admin, params={"group": group})
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


def counts(entry: dict[str, Any]) -> tuple[int, int, int]:
    return entry["replies"], entry["favourites"], entry["reblogs"]


async def test_engagement_per_post_and_partner_domain(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        launch, quiet = await world_with_reactions(w)
        posts = {p["status_id"]: p for p in await report(w, "post")}
        assert set(posts) == {str(launch.id), str(quiet.id)}
        first = posts[str(launch.id)]
        assert counts(first) == (1, 2, 1) and first["author"] == "sam" and first["state"] == "published"
        assert {d["domain"]: counts(d) for d in first["domains"]} == {
            "partner.example": (1, 1, 0), "other.example": (0, 1, 1)}
        this_month = datetime.now(UTC).strftime("%Y-%m")
        assert {m["month"]: counts(m) for m in first["months"]} == {"2024-01": (1, 0, 0), this_month: (0, 2, 1)}
        assert counts(posts[str(quiet.id)]) == (0, 0, 0) and posts[str(quiet.id)]["domains"] == []


async def test_engagement_per_department_and_month(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        await world_with_reactions(w)
        departments = await report(w, "department")
        assert [(d["department"], d["posts"], counts(d)) for d in departments] == [("sales", 1, (1, 2, 1))]
        months = await report(w, "month")
        this_month = datetime.now(UTC).strftime("%Y-%m")
        assert [(m["month"], counts(m)) for m in months] == [("2024-01", (1, 0, 0)), (this_month, (0, 2, 1))]
        bad = await w.client.get(f"{IO}/engagement", headers=w.admin, params={"group": "year"})
        assert bad.status_code == 422


async def test_engagement_as_csv(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        launch, quiet = await world_with_reactions(w)
        response = await w.client.get(f"{IO}/engagement", headers=w.admin,
                                      params={"group": "department", "format": "csv"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert '"Sales, ""EMEA"""' in response.text
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == ["department_id", "department", "name", "posts", "domain", "replies", "favourites",
                           "reblogs"]
        assert [r[1:] for r in rows[1:]] == [["sales", 'Sales, "EMEA"', "1", "other.example", "0", "1", "1"],
                                             ["sales", 'Sales, "EMEA"', "1", "partner.example", "1", "1", "0"]]
        by_post = await w.client.get(f"{IO}/engagement", headers=w.admin, params={"format": "csv"})
        post_rows = list(csv.DictReader(io.StringIO(by_post.text)))
        assert {(r["status_id"], r["domain"], r["favourites"]) for r in post_rows} == {
            (str(launch.id), "other.example", "1"), (str(launch.id), "partner.example", "1"),
            (str(quiet.id), "", "0")}
        assert (await w.client.get(f"{IO}/engagement", headers=w.admin, params={"format": "xml"})).status_code == 422
