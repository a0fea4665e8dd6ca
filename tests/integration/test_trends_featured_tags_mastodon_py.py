"""Trends, hashtag history and featured hashtags driven by Mastodon.py against a live server.

Given three employees on a running server; when they post and engage, and
a real client library asks for trends, a hashtag and featured hashtags;
then every answer parses into Mastodon.py's entities, what trends is what
staff share, and an app without a user gets empty trends.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import requests
from mastodon import Mastodon, MastodonAPIError

from tests.integration.conftest import EmployeeSpec, LiveServer
from tests.integration.mastodon_clients import employees, signed_in


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return employees("alice", "bob", "carol")


def test_staff_see_what_trends_inside(live_server: LiveServer, session: requests.Session) -> None:
    alice, bob, carol = (signed_in(live_server, session, name) for name in ("alice", "bob", "carol"))
    launch = alice.status_post("#Launch is today")
    bob.status_post("#launch party at five")
    secret = alice.status_post("#hush followers only", visibility="private")
    bob.status_favourite(launch)
    carol.status_reblog(launch)
    bob.account_follow(alice.me().id)
    bob.status_favourite(secret)  # a follower may; the private post still never trends

    tags = carol.trending_tags()
    assert [tag.name for tag in tags] == ["Launch"]
    assert [(day.uses, day.accounts) for day in tags[0].history[:1]] == [("2", "2")]
    assert len(tags[0].history) == 7
    assert [status.id for status in carol.trending_statuses()] == [launch.id]
    assert carol.trending_links() == []
    assert carol.trending_tags(limit=1, offset=1) == []
    assert carol.tag("hush").history[0].uses == "0"
    assert alice.tag("hush").history[0].uses == "1"


def test_featured_tags_round_trip(live_server: LiveServer, session: requests.Session) -> None:
    alice, bob = signed_in(live_server, session, "alice"), signed_in(live_server, session, "bob")
    alice.status_post("#Launch is today")
    assert [tag.name for tag in alice.featured_tag_suggestions()] == ["Launch"]

    featured = alice.featured_tag_create("Launch")
    assert (featured.name, featured.statuses_count) == ("Launch", "1")
    assert [tag.id for tag in alice.featured_tags()] == [featured.id]
    assert [tag.name for tag in bob.account_featured_tags(alice.me().id)] == ["Launch"]
    for n in range(9):
        alice.featured_tag_create(f"more{n}")
    with pytest.raises(MastodonAPIError, match="maximum number of hashtags"):
        alice.featured_tag_create("eleven")
    alice.featured_tag_delete(featured)
    assert featured.id not in [tag.id for tag in alice.featured_tags()]


def test_an_app_without_a_user_gets_empty_trends(live_server: LiveServer, session: requests.Session) -> None:
    alice = signed_in(live_server, session, "alice")
    alice.status_post("#Launch is today")
    client_id, secret = Mastodon.create_app("outsider", scopes=["read"], api_base_url=live_server.base_url,
                                            session=session)
    answer = session.post(f"{live_server.base_url}/oauth/token",
                          data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
    app_only = Mastodon(access_token=answer.json()["access_token"], api_base_url=live_server.base_url,
                        session=session, version_check_mode="none")
    anonymous = Mastodon(api_base_url=live_server.base_url, session=session, version_check_mode="none")
    for client in (app_only, anonymous):
        assert client.trending_tags() == []
        assert client.trending_statuses() == []
        assert client.trending_links() == []
