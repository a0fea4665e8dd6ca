"""A restricted Reader (a token acting as the company for a non-admin) sees none of the company's mail
that is not its human's own too, in every store that reads statuses for a viewer, on every backend."""

from __future__ import annotations

import pytest

from storage.curation import RepliesPolicy
from storage.models import Account, AccountKind, FollowState, Page, Reader, StatusFilter, Visibility
from storage.protocols import Storage
from tests.storage.factories import new_account
from tests.storage.test_social import employee, post

pytestmark = pytest.mark.anyio


async def company_mail(storage: Storage) -> tuple[Account, Account, Account, dict[str, int]]:
    """The company's notice to stu, stu's answer, a message to the company and pat, and a public post."""
    company = await storage.accounts.create_local(new_account("acme", AccountKind.COMPANY))
    pat, stu = await employee(storage, "pat"), await employee(storage, "stu")
    ids = {
        "notice": await post(storage, company, "notice", visibility=Visibility.DIRECT, mention_ids=(stu.id,)),
        "public": await post(storage, company, "public notice board"),
    }
    ids["answer"] = await post(storage, stu, "answer notice", visibility=Visibility.DIRECT,
                               mention_ids=(company.id,), in_reply_to_id=ids["notice"],
                               in_reply_to_account_id=company.id)
    ids["to_both"] = await post(storage, stu, "both notice", visibility=Visibility.DIRECT,
                                mention_ids=(company.id, pat.id))
    await storage.timelines.add_to_home(ids["public"], [company.id])
    for name in ("notice", "answer", "to_both"):
        await storage.timelines.add_to_home(ids[name], [company.id])
    return company, pat, stu, ids


async def test_only_the_humans_own_mail_shows_to_a_restricted_reader(storage: Storage) -> None:
    company, pat, _, ids = await company_mail(storage)
    everything = set(ids.values())
    restricted, own = Reader(company.id, pat.id), Reader.own(company.id)
    shown = {ids["public"], ids["to_both"]}

    assert await storage.timelines.visible_ids(restricted, list(everything)) == shown
    assert await storage.timelines.visible_ids(own, list(everything)) == everything
    assert await storage.timelines.visible_ids(company.id, list(everything)) == everything

    assert set(await storage.timelines.home(restricted, Page())) == shown
    assert set(await storage.timelines.home(own, Page())) == everything
    assert set(await storage.timelines.statuses(restricted, Page(), StatusFilter(), account_id=company.id)) == {
        ids["public"]}
    assert set(await storage.search.statuses(restricted, ["notice"], Page(), offset=0)) == shown
    assert set(await storage.search.statuses(own, ["notice"], Page(), offset=0)) == everything

    assert [c.last_status_id for c in await storage.conversations.listed(restricted, Page())] == [ids["to_both"]]
    assert len(await storage.conversations.listed(own, Page())) == 2
    answer = await storage.statuses.get(ids["answer"])
    assert answer is not None
    assert await storage.conversations.get(restricted, answer.thread_id) is None
    assert await storage.conversations.get(own, answer.thread_id) is not None


async def test_a_restricted_reader_sees_dismisses_and_clears_only_notifications_it_may_read(
    storage: Storage,
) -> None:
    company, pat, stu, ids = await company_mail(storage)
    restricted = Reader(company.id, pat.id)
    hidden = await storage.notifications.add(company.id, stu.id, "mention", ids["answer"])
    shown = await storage.notifications.add(company.id, stu.id, "mention", ids["to_both"])
    followed = await storage.notifications.add(company.id, stu.id, "follow", None)
    assert hidden is not None and shown is not None and followed is not None

    assert [n.id for n in await storage.notifications.list(restricted, Page())] == [followed.id, shown.id]
    assert await storage.notifications.get(restricted, hidden.id) is None
    assert await storage.notifications.count_after(restricted, 0) == 2
    assert not await storage.notifications.dismiss(restricted, hidden.id)
    assert await storage.notifications.clear(restricted) == 2

    assert [n.id for n in await storage.notifications.list(company.id, Page())] == [hidden.id]


async def test_a_restricted_reader_reads_a_list_without_the_mail(storage: Storage) -> None:
    company, pat, stu, ids = await company_mail(storage)
    await storage.follows.follow(company.id, stu.id, FollowState.ACCEPTED)
    staff = await storage.lists.create(company.id, "Staff", RepliesPolicy.LIST, False)
    await storage.lists.add_accounts(staff.id, [stu.id])

    assert set(await storage.lists.timeline(staff.id, Page())) == {ids["answer"], ids["to_both"]}
    assert await storage.lists.timeline(staff.id, Page(), reader=Reader(company.id, pat.id)) == [ids["to_both"]]
