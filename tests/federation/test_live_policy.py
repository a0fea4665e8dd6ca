"""The runtime federation policy: the configuration is the floor, the database adds to it, the cache expires."""

from __future__ import annotations

import pytest

from federation.live_policy import LivePolicy
from storage.admin import FederationRules

pytestmark = pytest.mark.anyio


class Rules:
    """What the database holds, as another process would have written it."""

    def __init__(self) -> None:
        self.rules = FederationRules()
        self.loads = 0

    async def __call__(self) -> FederationRules:
        self.loads += 1
        return self.rules


async def test_database_rules_add_to_the_configured_floor() -> None:
    rules = Rules()
    policy = LivePolicy("open", [], ["bad.example"], rules)
    rules.rules = FederationRules(None, (), ("worse.example",))
    await policy.refresh()
    assert not policy.is_allowed("bad.example") and not policy.is_allowed("a.worse.example")
    assert policy.is_allowed("good.example")
    rules.rules = FederationRules("allowlist", ("good.example",), ())
    await policy.refresh()
    assert policy.mode == "allowlist" and policy.is_allowed("good.example") and not policy.is_allowed("x.example")
    assert not policy.is_allowed("bad.example")  # configured blocks stay


async def test_a_configured_allowlist_cannot_be_opened() -> None:
    rules = Rules()
    rules.rules = FederationRules("open", ("extra.example",), ())
    policy = LivePolicy("allowlist", ["partner.example"], [], rules)
    await policy.refresh()
    assert policy.mode == "allowlist"
    assert policy.is_allowed("partner.example") and policy.is_allowed("extra.example")
    assert not policy.is_allowed("other.example")


async def test_the_cache_is_read_again_after_its_ttl() -> None:
    rules, now = Rules(), [0.0]
    policy = LivePolicy("open", [], [], rules, ttl=5.0, clock=lambda: now[0])
    await policy.refresh_if_stale()
    rules.rules = FederationRules(None, (), ("late.example",))
    now[0] = 4.0
    await policy.refresh_if_stale()
    assert policy.is_allowed("late.example") and rules.loads == 1
    now[0] = 5.0
    await policy.refresh_if_stale()
    assert not policy.is_allowed("late.example") and rules.loads == 2
