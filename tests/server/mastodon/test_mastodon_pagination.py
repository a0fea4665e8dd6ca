"""Mastodon pagination: cursors, limits, Link headers, offsets."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from activitypub.errors import BadRequest
from server.edge.pagination import (
    ACCOUNTS_LIMITS,
    NOTIFICATIONS_LIMITS,
    OffsetPage,
    PageRequest,
    clamp_limit,
    link_header,
    replace_query,
)
from server.edge.params import Params, parse_query

# Mastodon.py's parser of Link headers, in substance: next/prev URL and their ids.
_LINK = re.compile(r'<([^>]+)>; rel="([^"]+)"')


def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in _LINK.findall(header)}


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 20), (5, 5), (40, 40), (41, 40), (1000, 40), (-5, 5), (-100, 40), (0, 1)]
)
def test_clamp_limit(value: int | None, expected: int) -> None:
    assert clamp_limit(value, 20, 40) == expected


class TestPageRequest:
    def test_defaults(self) -> None:
        assert PageRequest.from_params(Params()) == PageRequest(None, None, None, 20)

    def test_parses_cursors(self) -> None:
        page = PageRequest.from_params(Params(parse_query("max_id=300&since_id=100&min_id=200&limit=10")))
        assert page == PageRequest(max_id=300, since_id=100, min_id=200, limit=10)
        assert page.ascending and page.lower_bound == 200

    @pytest.mark.parametrize(("defaults", "expected"), [(NOTIFICATIONS_LIMITS, (40, 80)), (ACCOUNTS_LIMITS, (40, 80))])
    def test_parameterised_limits(self, defaults: tuple[int, int], expected: tuple[int, int]) -> None:
        default, maximum = defaults
        assert PageRequest.from_params(Params(), default_limit=default, max_limit=maximum).limit == expected[0]
        big = Params({"limit": "500"})
        assert PageRequest.from_params(big, default_limit=default, max_limit=maximum).limit == expected[1]

    def test_blank_limit_is_default(self) -> None:
        assert PageRequest.from_params(Params({"limit": ""})).limit == 20

    @pytest.mark.parametrize("query", ["max_id=abc", "min_id=-1", "since_id=1.5", "limit=ten"])
    def test_malformed_values_name_the_parameter(self, query: str) -> None:
        with pytest.raises(BadRequest, match=query.split("=")[0]):
            PageRequest.from_params(Params(parse_query(query)))

    def test_select_max_id_newest_older_than(self) -> None:
        ids = list(range(100, 0, -1))
        assert PageRequest(max_id=50, limit=3).select(ids) == [49, 48, 47]

    def test_select_since_id_gives_newest_with_gap(self) -> None:
        ids = list(range(100, 0, -1))
        assert PageRequest(since_id=10, limit=3).select(ids) == [100, 99, 98]

    def test_select_min_id_gives_immediately_newer(self) -> None:
        ids = list(range(100, 0, -1))
        assert PageRequest(min_id=10, limit=3).select(ids) == [13, 12, 11]
        # min_id wins over since_id, and max_id still bounds from above
        assert PageRequest(min_id=10, since_id=50, max_id=12, limit=5).select(ids) == [11]

    def test_admits(self) -> None:
        page = PageRequest(max_id=10, since_id=5)
        assert [item for item in range(1, 15) if page.admits(item)] == [6, 7, 8, 9]


class TestLinkHeader:
    def test_next_then_prev_exactly(self) -> None:
        header = link_header("https://ex.test/api/v1/timelines/home?limit=2", [30, 20])
        assert header == (
            '<https://ex.test/api/v1/timelines/home?limit=2&max_id=20>; rel="next", '
            '<https://ex.test/api/v1/timelines/home?limit=2&min_id=30>; rel="prev"'
        )

    def test_empty_page_has_no_header(self) -> None:
        assert link_header("https://ex.test/api/v1/timelines/home", []) is None

    def test_other_params_preserved_cursors_replaced(self) -> None:
        url = ("https://ex.test/api/v1/notifications?types[]=mention&types%5B%5D=poll&max_id=99&since_id=1"
               "&min_id=5&only_media=true&local=1")  # fmt: skip
        links = _links(link_header(url, ["80", "70"]) or "")
        next_query = parse_qsl(urlsplit(links["next"]).query)
        prev_query = parse_qsl(urlsplit(links["prev"]).query)
        kept = [("types[]", "mention"), ("types[]", "poll"), ("only_media", "true"), ("local", "1")]
        assert next_query == [*kept, ("max_id", "70")]
        assert prev_query == [*kept, ("min_id", "80")]
        assert "types%5B%5D=mention" in links["next"]  # encoded as Rails does

    def test_single_item(self) -> None:
        links = _links(link_header("/api/v1/favourites", [7]) or "")
        assert links == {"next": "/api/v1/favourites?max_id=7", "prev": "/api/v1/favourites?min_id=7"}

    def test_short_page_has_no_next_when_limit_given(self) -> None:
        header = link_header("https://ex.test/api/v1/accounts/1/followers?limit=40", [3, 2, 1], limit=40)
        assert header == '<https://ex.test/api/v1/accounts/1/followers?limit=40&min_id=3>; rel="prev"'
        full = link_header("https://ex.test/x", [3, 2], limit=2)
        assert full is not None and list(_links(full)) == ["next", "prev"]


def test_replace_query_keeps_fragments_and_blank_values() -> None:
    assert replace_query("/p?a=&b=1#f", frozenset({"b"}), [("c", "x y")]) == "/p?a=&c=x+y#f"


class TestOffsetPage:
    def test_defaults(self) -> None:
        assert OffsetPage.from_params(Params()) == OffsetPage(0, 20)

    def test_parses_and_clamps(self) -> None:
        assert OffsetPage.from_params(Params({"offset": "40", "limit": "100"})) == OffsetPage(40, 40)
        assert OffsetPage.from_params(Params({"limit": "100"}), default_limit=40, max_limit=80).limit == 80

    @pytest.mark.parametrize("params", [{"offset": "-1"}, {"limit": "-5"}])
    def test_negative_is_mastodons_400(self, params: dict[str, str]) -> None:
        with pytest.raises(BadRequest, match="Pagination values for `offset` and `limit` must be positive"):
            OffsetPage.from_params(Params(params))

    def test_links(self) -> None:
        page = OffsetPage(offset=20, limit=10)
        header = page.link_header("https://ex.test/api/v1/trends/statuses?limit=10&offset=20", count=10)
        assert header == (
            '<https://ex.test/api/v1/trends/statuses?limit=10&offset=30>; rel="next", '
            '<https://ex.test/api/v1/trends/statuses?limit=10&offset=10>; rel="prev"'
        )
        assert OffsetPage(0, 10).link_header("/t", count=3) is None
        assert OffsetPage(5, 10).link_header("/t?offset=5", count=3) == '</t?offset=0>; rel="prev"'
