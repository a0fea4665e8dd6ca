"""The admin store: an append-only action log, domain rules, the runtime mode, report closure."""

from __future__ import annotations

import pytest

from activitypub.errors import Conflict
from storage.admin import AccountQuery, DomainRuleKind, FederationRules, NewAdminAction
from storage.models import NewReport, Page
from storage.protocols import Storage

pytestmark = pytest.mark.anyio


async def test_the_action_log_is_append_only(storage: Storage) -> None:
    first = await storage.admin.record_action(NewAdminAction("user:1", "expose", "account", "42", "press",
                                                             {"was_exposed": "false"}))
    await storage.admin.record_action(NewAdminAction("user:1", "hide", "account", "42"))
    await storage.admin.record_action(NewAdminAction("user:1", "domain.block", "domain", "bad.example"))
    found = await storage.admin.actions(target_type="account", target_id="42")
    assert [a.action for a in found] == ["hide", "expose"]
    assert found[1].reason == "press" and found[1].detail == {"was_exposed": "false"}
    database = storage.database
    with pytest.raises(Exception, match="append-only"):
        await database.execute("UPDATE admin_actions SET reason = 'changed' WHERE id = ?", (first.id,))
    with pytest.raises(Exception, match="append-only"):
        await database.execute("DELETE FROM admin_actions WHERE id = ?", (first.id,))
    assert (await storage.admin.actions(action="expose"))[0].reason == "press"


async def test_domain_rules_and_the_mode_make_the_federation_rules(storage: Storage) -> None:
    assert await storage.admin.federation_rules() == FederationRules()
    block = await storage.admin.add_domain_rule("bad.example", DomainRuleKind.BLOCK, "user:1", private_comment="x")
    await storage.admin.add_domain_rule("good.example", DomainRuleKind.ALLOW, "user:1")
    with pytest.raises(Conflict):
        await storage.admin.add_domain_rule("bad.example", DomainRuleKind.BLOCK, "user:2")
    await storage.admin.set_federation_mode("allowlist", "user:1")
    assert await storage.admin.federation_rules() == FederationRules("allowlist", ("good.example",), ("bad.example",))
    assert await storage.admin.remove_domain_rule(block.id) is True
    await storage.admin.set_federation_mode(None, "user:1")
    assert await storage.admin.federation_rules() == FederationRules(None, ("good.example",), ())


async def test_a_flag_is_closed_once_with_who_and_when(storage: Storage) -> None:
    report = await storage.moderation.add_report(NewReport(reporter_uri="https://p.example/users/a", comment="x"))
    assert report is not None
    assert await storage.admin.close_report(report.id, "user:7") is True
    assert await storage.admin.close_report(report.id, "user:8") is False
    closure = (await storage.admin.report_closures([report.id]))[report.id]
    assert closure.by == "user:7"
    assert (await storage.moderation.list_reports())[0].state == "resolved"


async def test_account_query_pages_newest_first(storage: Storage) -> None:
    ids = await storage.admin.account_ids(AccountQuery(local=False), Page(limit=5))
    assert ids == []


async def test_admin_actions_page_by_id_and_filter_by_actor_and_time(storage: Storage) -> None:
    recorded = [await storage.admin.record_action(NewAdminAction(f"user:{n % 2}", "probe", "domain", str(n)))
                for n in range(5)]
    ids = [a.id for a in recorded]

    newest = await storage.admin.actions(page=Page(limit=2))
    older = await storage.admin.actions(page=Page(limit=2, max_id=newest[-1].id))
    newer = await storage.admin.actions(page=Page(limit=2, min_id=older[0].id))
    by_actor = await storage.admin.actions(actor="user:0")
    none_yet = await storage.admin.actions(until=recorded[0].created_at)
    since_last = await storage.admin.actions(since=recorded[-1].created_at)

    assert [a.id for a in newest] == ids[::-1][:2]
    assert [a.id for a in older] == ids[::-1][2:4]
    assert [a.id for a in newer] == ids[::-1][:2]
    assert [a.target_id for a in by_actor] == ["4", "2", "0"]
    assert none_yet == []
    assert [a.id for a in since_last] == [ids[-1]]
