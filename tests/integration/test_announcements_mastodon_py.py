"""Announcements seen, dismissed and reacted to through Mastodon.py, the reference client, on a live server.

Given an admin who writes announcements through the admin API, a member of
the sales department and a colleague outside it; when their apps read,
dismiss and react; then each sees only what is for them and active now,
reactions are counted with ``me``, and an outsider learns nothing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError, MastodonUnauthorizedError, StreamListener

from server.mastodon.stream_session import StreamingOptions
from storage.models import Role
from tests.integration.conftest import EmployeeSpec, LiveServer
from tests.integration.mastodon_clients import PASSWORD, signed_in

ADMIN_SCOPES = ["read", "write", "follow", "admin:read", "admin:write"]
ANNOUNCEMENTS = "/api/v1/admin/insideout/announcements"


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return (EmployeeSpec("boss", "boss@example.com", PASSWORD, role=Role.ADMIN),
            EmployeeSpec("sam", "sam@example.com", PASSWORD), EmployeeSpec("olga", "olga@example.com", PASSWORD))


@pytest.fixture
def live_app_state() -> Mapping[str, object]:
    # Frequent heartbeats let a closed listener's thread wake up and end at once.
    return {"streaming_options": StreamingOptions(heartbeat_seconds=0.2, recheck_seconds=0.2)}


class Heard(StreamListener):  # type: ignore[misc]
    """The announcement events one user stream sent, in order; ``opened`` once it is subscribed."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = threading.Event()
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()

    def handle_heartbeat(self) -> None:
        self.opened.set()

    def on_announcement(self, announcement: Any) -> None:
        self.events.put(("announcement", announcement))

    def on_announcement_reaction(self, reaction: Any) -> None:
        self.events.put(("announcement.reaction", reaction))

    def on_announcement_delete(self, announcement_id: Any) -> None:
        self.events.put(("announcement.delete", announcement_id))


@contextmanager
def _listening(*apis: Mastodon) -> Iterator[list[Heard]]:
    """Each app's user stream, open and subscribed, closed after the block."""
    heard = [Heard() for _ in apis]
    handles = [api.stream_user(listener, run_async=True, timeout=10) for api, listener in zip(apis, heard, strict=True)]
    try:
        for listener in heard:
            assert listener.opened.wait(10)
        yield heard
    finally:
        for handle in handles:
            handle.close()
            handle.join(10)


def _admin(server: LiveServer, session: requests.Session, api: Mastodon, method: str, path: str,
           **data: Any) -> Any:
    response = session.request(method, server.base_url + path, json=data or None,
                               headers={"Authorization": f"Bearer {api.access_token}"})
    assert response.status_code == 200, response.text
    return response.json()


def _sales_with_sam(server: LiveServer, session: requests.Session, boss: Mastodon, sam: Mastodon) -> str:
    department = _admin(server, session, boss, "POST", "/api/v1/admin/insideout/departments",
                        username="sales", display_name="Sales")
    _admin(server, session, boss, "POST", f"/api/v1/admin/insideout/departments/{department['id']}/members",
           account_id=str(sam.me().id))
    return str(department["id"])


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_everyone_sees_reads_dismisses_and_reacts(live_server: LiveServer, session: requests.Session) -> None:
    boss = signed_in(live_server, session, "boss", scopes=ADMIN_SCOPES)
    sam, olga = signed_in(live_server, session, "sam"), signed_in(live_server, session, "olga")
    created = _admin(live_server, session, boss, "POST", ANNOUNCEMENTS,
                     text="All hands on Friday, see https://intranet.example/allhands #allhands @olga")

    seen = sam.announcements()
    assert [str(a.id) for a in seen] == [created["id"]]
    first = seen[0]
    assert 'href="https://intranet.example/allhands"' in first.content
    assert [m.acct for m in first.mentions] == ["olga"]
    assert [dict(t)["name"] for t in first.tags] == ["allhands"]
    assert first.read is False

    sam.announcement_reaction_create(first, "👍")
    olga.announcement_reaction_create(first, "👍")
    olga.announcement_reaction_create(first, "🎉")
    reactions = {r.name: (r.count, r.me) for r in sam.announcements()[0].reactions}
    assert reactions == {"👍": (2, True), "🎉": (1, False)}
    olga.announcement_reaction_delete(first, "🎉")
    assert [r.name for r in olga.announcements()[0].reactions] == ["👍"]

    sam.announcement_dismiss(first)
    assert sam.announcements() == []
    assert len(olga.announcements()) == 1
    listed = _admin(live_server, session, boss, "GET", f"{ANNOUNCEMENTS}/{created['id']}")
    assert listed["reactions_count"] == 2
    assert listed["dismissals_count"] == 1


def test_a_reaction_must_be_one_emoji(live_server: LiveServer, session: requests.Session) -> None:
    boss, sam = signed_in(live_server, session, "boss", scopes=ADMIN_SCOPES), signed_in(live_server, session, "sam")
    _admin(live_server, session, boss, "POST", ANNOUNCEMENTS, text="Lunch is on us")
    announcement = sam.announcements()[0]

    with pytest.raises(MastodonAPIError) as refused:
        sam.announcement_reaction_create(announcement, "blobcat")
    assert refused.value.args[1] == 422
    assert "emoji" in refused.value.args[3]
    assert sam.announcements()[0].reactions == []


def test_a_department_announcement_is_for_its_members_only(live_server: LiveServer, session: requests.Session) -> None:
    boss = signed_in(live_server, session, "boss", scopes=ADMIN_SCOPES)
    sam, olga = signed_in(live_server, session, "sam"), signed_in(live_server, session, "olga")
    sales = _sales_with_sam(live_server, session, boss, sam)
    created = _admin(live_server, session, boss, "POST", ANNOUNCEMENTS, text="Quota met!", department_ids=[sales])

    assert [str(a.id) for a in sam.announcements()] == [created["id"]]
    assert olga.announcements() == []
    with pytest.raises(MastodonNotFoundError):
        olga.announcement_dismiss(created["id"])
    with pytest.raises(MastodonNotFoundError):
        olga.announcement_reaction_create(created["id"], "👍")


def test_only_announcements_active_now_are_shown(live_server: LiveServer, session: requests.Session) -> None:
    boss, sam = signed_in(live_server, session, "boss", scopes=ADMIN_SCOPES), signed_in(live_server, session, "sam")
    now = datetime.now(UTC)
    _admin(live_server, session, boss, "POST", ANNOUNCEMENTS, text="later", starts_at=_iso(now + timedelta(hours=1)))
    _admin(live_server, session, boss, "POST", ANNOUNCEMENTS, text="over", starts_at=_iso(now - timedelta(hours=2)),
           ends_at=_iso(now - timedelta(hours=1)))
    current = _admin(live_server, session, boss, "POST", ANNOUNCEMENTS, text="now", all_day=True,
                     starts_at=_iso(now - timedelta(hours=1)), ends_at=_iso(now + timedelta(hours=1)))
    ended = _admin(live_server, session, boss, "POST", ANNOUNCEMENTS, text="ended by hand")
    _admin(live_server, session, boss, "POST", f"{ANNOUNCEMENTS}/{ended['id']}/end")

    shown = sam.announcements()
    assert [str(a.id) for a in shown] == [current["id"]]
    assert shown[0].all_day is True
    assert shown[0].ends_at is not None
    with pytest.raises(MastodonNotFoundError):
        sam.announcement_dismiss(ended["id"])


def test_outsiders_get_nothing(live_server: LiveServer, session: requests.Session) -> None:
    boss = signed_in(live_server, session, "boss", scopes=ADMIN_SCOPES)
    created = _admin(live_server, session, boss, "POST", ANNOUNCEMENTS, text="Internal only")
    client_id, secret = Mastodon.create_app("Outsider", scopes=["read", "write"], api_base_url=live_server.base_url,
                                            session=session)
    granted = session.post(live_server.base_url + "/oauth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": "read write"})
    app_only = Mastodon(access_token=granted.json()["access_token"], api_base_url=live_server.base_url,
                        session=session, version_check_mode="none")

    anonymous = session.get(live_server.base_url + "/api/v1/announcements")
    dismiss = session.post(live_server.base_url + f"/api/v1/announcements/{created['id']}/dismiss")
    assert anonymous.status_code == 401
    assert "Internal only" not in anonymous.text
    assert dismiss.status_code == 401
    with pytest.raises(MastodonUnauthorizedError):
        app_only.announcements()


def test_the_user_stream_hears_announcements_reactions_and_deletions(
    live_server: LiveServer, session: requests.Session
) -> None:
    boss = signed_in(live_server, session, "boss", scopes=ADMIN_SCOPES)
    sam, olga = signed_in(live_server, session, "sam"), signed_in(live_server, session, "olga")
    sales = _sales_with_sam(live_server, session, boss, sam)
    with _listening(sam, olga) as (heard_by_sam, heard_by_olga):
        created = _admin(live_server, session, boss, "POST", ANNOUNCEMENTS, text="Sales lunch", department_ids=[sales])
        sam.announcement_reaction_create(created["id"], "🍕")
        _admin(live_server, session, boss, "DELETE", f"{ANNOUNCEMENTS}/{created['id']}")

        kind, announcement = heard_by_sam.events.get(timeout=10)
        assert kind == "announcement"
        assert str(announcement.id) == created["id"]
        assert "Sales lunch" in announcement.content
        kind, reaction = heard_by_sam.events.get(timeout=10)
        assert kind == "announcement.reaction"
        assert (reaction.name, reaction.count, str(reaction.announcement_id)) == ("🍕", 1, created["id"])
        kind, deleted = heard_by_sam.events.get(timeout=10)
        assert (kind, str(deleted)) == ("announcement.delete", created["id"])
        assert heard_by_olga.events.empty()


def test_an_edit_that_narrows_the_audience_takes_it_off_the_screens_it_left(
    live_server: LiveServer, session: requests.Session
) -> None:
    boss = signed_in(live_server, session, "boss", scopes=ADMIN_SCOPES)
    sam, olga = signed_in(live_server, session, "sam"), signed_in(live_server, session, "olga")
    sales = _sales_with_sam(live_server, session, boss, sam)
    created = _admin(live_server, session, boss, "POST", ANNOUNCEMENTS, text="Canteen closed")
    with _listening(sam, olga) as (heard_by_sam, heard_by_olga):
        _admin(live_server, session, boss, "PUT", f"{ANNOUNCEMENTS}/{created['id']}",
               text="Sales canteen closed", department_ids=[sales])

        kind, deleted = heard_by_olga.events.get(timeout=10)
        assert (kind, str(deleted)) == ("announcement.delete", created["id"])
        kind, announcement = heard_by_sam.events.get(timeout=10)
        assert kind == "announcement"
        assert "Sales canteen closed" in announcement.content
        assert olga.announcements() == []


def test_a_department_id_no_account_could_have_is_refused_beside_its_field(
    live_server: LiveServer, session: requests.Session
) -> None:
    boss = signed_in(live_server, session, "boss", scopes=ADMIN_SCOPES)
    for reference in ("99999999999999999999999", "²"):
        answer = session.post(live_server.base_url + ANNOUNCEMENTS, json={"text": "Hi", "department_ids": [reference]},
                              headers={"Authorization": f"Bearer {boss.access_token}"})
        assert answer.status_code == 422, answer.text
        assert "There is no department" in answer.text
    listed = session.get(live_server.base_url + ANNOUNCEMENTS, headers={"Authorization": f"Bearer {boss.access_token}"})
    assert listed.json() == []
