"""Admins change the federation policy at runtime: mode, allowed and blocked domains.

Rules are stored (``federation_domains``, ``federation_settings``) and
merged over the configuration by ``LivePolicy``, which is refreshed after
every change so this process applies it on the next request; other
processes pick it up within the policy's TTL. The configuration is the
floor, so its entries cannot be removed here and a configured allowlist
cannot be opened. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from activitypub.errors import Conflict, InvalidInput, NotFound
from federation.live_policy import LivePolicy
from federation.policy import normalise_host
from server.services.admin_log import audit, clean_reason
from storage.admin import DomainRule, DomainRuleKind
from storage.deliveries import DomainHealth, HostDeliveryCounts
from storage.models import AccountKind
from storage.protocols import Storage

MODES = ("open", "allowlist")


@dataclass(frozen=True, slots=True)
class DomainReport:
    """One partner domain: policy, outside followers of exposed accounts, and delivery health."""

    domain: str
    allowed: bool
    followers: dict[int, int]
    """Exposed account id -> remote followers on this domain."""
    health: DomainHealth | None
    counts: HostDeliveryCounts | None

    @property
    def follower_count(self) -> int:
        return sum(self.followers.values())


@dataclass(frozen=True, slots=True)
class ModeSetting:
    mode: str
    configured: str
    override: str | None
    updated_at: datetime | None = None


def domain_from_input(raw: str | None) -> str:
    cleaned = (raw or "").strip().removeprefix("*.").lstrip(".")
    host = normalise_host(cleaned) if cleaned else None
    if host is None or "." not in host or "/" in host:
        raise InvalidInput("A valid domain name is required")
    return host


class FederationAdmin:
    def __init__(self, storage: Storage, policy: LivePolicy) -> None:
        self._storage = storage
        self._policy = policy

    @property
    def policy(self) -> LivePolicy:
        return self._policy

    async def rules(self, kind: DomainRuleKind) -> Sequence[DomainRule]:
        return await self._storage.admin.domain_rules(kind)

    async def rule(self, kind: DomainRuleKind, rule_id: int) -> DomainRule:
        rule = await self._storage.admin.get_domain_rule(rule_id)
        if rule is None or rule.kind is not kind:
            raise NotFound()
        return rule

    async def add(
        self, actor: str, kind: DomainRuleKind, raw_domain: str | None, *,
        private_comment: str | None = None, public_comment: str | None = None,
    ) -> DomainRule:
        domain = domain_from_input(raw_domain)
        floor = self._policy.floor.blocked if kind is DomainRuleKind.BLOCK else self._policy.floor.allowed
        if domain in floor:
            raise Conflict(f"{domain} is already on the configured {kind.value} list")
        async with self._storage.transaction():
            rule = await self._storage.admin.add_domain_rule(
                domain, kind, actor, private_comment=clean_reason(private_comment),
                public_comment=clean_reason(public_comment))
            await audit(self._storage, actor, f"domain.{kind.value}", "domain", domain, reason=private_comment)
        await self._policy.refresh()
        return rule

    async def remove(self, actor: str, kind: DomainRuleKind, rule_id: int) -> DomainRule:
        rule = await self.rule(kind, rule_id)
        async with self._storage.transaction():
            await self._storage.admin.remove_domain_rule(rule.id)
            await audit(self._storage, actor, f"domain.un{kind.value}", "domain", rule.domain)
        await self._policy.refresh()
        return rule

    async def mode(self) -> ModeSetting:
        rules = await self._storage.admin.federation_rules()
        current = await self._policy.refresh()
        return ModeSetting(current.mode, self._policy.floor.mode, rules.mode)

    async def set_mode(self, actor: str, mode: str | None, reason: str | None = None) -> ModeSetting:
        """``None`` returns to the configured mode."""
        if mode is not None and mode not in MODES:
            raise InvalidInput("mode must be open or allowlist")
        if mode == "open" and self._policy.floor.mode == "allowlist":
            raise InvalidInput("The configuration sets allowlist mode; it cannot be opened at runtime")
        async with self._storage.transaction():
            await self._storage.admin.set_federation_mode(mode, actor)
            await audit(self._storage, actor, "federation.mode", "federation", "mode", reason=reason,
                        mode=mode or "configured")
        return await self.mode()

    async def domains(self, limit: int = 200) -> Sequence[DomainReport]:
        """Every domain with outside followers of an exposed account or with deliveries, most followers first."""
        exposed = [a.id for a in await self._storage.accounts.list_local()
                   if a.exposed or a.kind is AccountKind.COMPANY]
        followers: dict[str, dict[int, int]] = {}
        for row in await self._storage.admin.remote_followers_by_domain(exposed):
            followers.setdefault(row.domain, {})[row.account_id] = row.count
        health = {h.host: h for h in await self._storage.deliveries.list_domains(limit=limit)}
        counts = {c.host: c for c in await self._storage.deliveries.counts_by_host(limit=limit)}
        await self._policy.refresh_if_stale()
        hosts = sorted({*followers, *health, *counts})
        reports = [DomainReport(host, self._policy.is_allowed(host), followers.get(host, {}), health.get(host),
                                counts.get(host)) for host in hosts]
        return sorted(reports, key=lambda r: (-r.follower_count, r.domain))[:limit]
