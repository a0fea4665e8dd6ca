"""Small parts of the admin pages: the monthly chart's geometry, CSRF on every POST route, the gate on every page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.routing import Route

from server.admin import open_routes, routes
from server.admin.chart import AXIS, HEIGHT, month_bars
from server.services.engagement import Group
from storage.admin import EngagementEvent, EngagementKind
from tests.server.admin.pages import site


def month(key: str, replies: int, likes: int, boosts: int) -> Group:
    group = Group(key)
    at = datetime(int(key[:4]), int(key[5:]), 1, tzinfo=UTC)
    for kind, count in ((EngagementKind.REPLY, replies), (EngagementKind.FAVOURITE, likes),
                        (EngagementKind.REBLOG, boosts)):
        for _ in range(count):
            group.add(EngagementEvent(1, kind, "partner.example", at))
    return group


def test_the_tallest_month_fills_the_chart_and_segments_stack_without_gaps() -> None:
    bars = month_bars([month("2024-01", 1, 1, 0), month("2024-02", 2, 4, 2)])

    low, high = bars
    assert [b.month for b in bars] == ["2024-01", "2024-02"] and high.total == 8
    assert sum(s.height for s in high.segments) == pytest.approx(HEIGHT - AXIS)
    assert sum(s.height for s in low.segments) == pytest.approx((HEIGHT - AXIS) / 4)
    for bar in bars:
        for upper, lower in zip(bar.segments[1:], bar.segments):
            assert upper.y + upper.height == pytest.approx(lower.y)
    assert low.x < high.x and month_bars([]) == []


def test_a_month_without_reactions_draws_nothing_and_divides_by_nothing() -> None:
    (bar,) = month_bars([Group("2024-05")])

    assert bar.total == 0 and all(s.height == 0 for s in bar.segments)


@pytest.mark.anyio
async def test_every_post_route_refuses_a_request_without_the_csrf_token(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.sign_in("ada")
        posts = [r.path for r in routes() if isinstance(r, Route) and r.methods and "POST" in r.methods]

        answers = {path: await s.client.post(re.sub(r"\{kind\}", "block", re.sub(r"\{(id|account_id)\}", "1", path)),
                                              data={"reason": "x", "domain": "x.example"})
                   for path in posts}

        assert len(posts) >= 15
        assert {path: a.status_code for path, a in answers.items()} == {path: 403 for path in posts}
        assert not await s.state.storage.admin.domain_rules()


def _filled(path: str) -> str:
    """The path with every parameter ({id}, {slug}, {tag}...) given a plain value."""
    return re.sub(r"\{[a-z_]+\}", "1", path)


@pytest.mark.anyio
async def test_every_page_but_the_open_ones_sends_a_stranger_to_sign_in(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        open_paths = {r.path for r in open_routes() if isinstance(r, Route)}
        pages = [r.path for r in routes() if isinstance(r, Route) and r.methods and "GET" in r.methods
                 and r.path not in open_paths]

        answers = {path: await s.client.get(_filled(path)) for path in pages}

        assert len(pages) >= 9
        assert open_paths == {"/admin", "/admin/admin.css", "/admin/sign_in", "/admin/sign_out", "/auth/reset/{token}"}
        assert {path: a.headers.get("location") for path, a in answers.items()} == {
            path: f"/admin/sign_in?next={_filled(path)}" for path in pages}
