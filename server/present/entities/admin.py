"""Mastodon's admin entities (Admin::Account, Admin::DomainBlock, Admin::DomainAllow, Admin::Report, Role)
and Insideout's own admin views, as pure converters from records to JSON-ready dicts.

Fields Mastodon has but Insideout does not track (IP addresses, invites,
silencing) are present with their empty values, so stock admin tools parse
the entities; what only Insideout has sits under ``insideout``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server.edge.dates import format_datetime, format_optional_datetime
from server.services.admin_accounts import ManagedAccount
from server.services.admin_reports import ReportView
from server.services.exposure import Exposure
from server.services.federation_admin import DomainReport, ModeSetting
from storage.admin import AdminAction, DomainRule, ExposureFact
from storage.models import Role

Entity = dict[str, Any]
ROLE_IDS = {Role.STAFF: "1", Role.PUBLISHER: "2", Role.ADMIN: "3"}
# Mastodon's permission bit for "administrator" is 1; publishers and staff have no admin permissions.
ROLE_PERMISSIONS = {Role.STAFF: "0", Role.PUBLISHER: "0", Role.ADMIN: "1"}


def role_entity(role: Role) -> Entity:
    return {"id": ROLE_IDS[role], "name": role.value.title(), "color": "", "permissions": ROLE_PERMISSIONS[role],
            "highlighted": role is not Role.STAFF}


def admin_account_entity(managed: ManagedAccount, account: Entity) -> Entity:
    user, record = managed.user, managed.account
    return {
        "id": str(record.id), "username": record.username, "domain": record.domain,
        "created_at": format_datetime(record.created_at), "email": user.email if user else None,
        "ip": None, "ips": [], "locale": None, "invite_request": None,
        "role": role_entity(user.role) if user else None,
        "confirmed": user is not None, "approved": user is not None,
        "disabled": user.disabled if user else False,
        "silenced": False, "suspended": record.deleted_at is not None, "sensitized": False,
        "account": account, "created_by_application_id": None, "invited_by_account_id": None,
        "insideout": {"kind": record.kind.value, "exposed": record.exposed},
    }


def domain_block_entity(rule: DomainRule) -> Entity:
    return {
        "id": str(rule.id), "domain": rule.domain, "digest": None, "created_at": format_datetime(rule.created_at),
        "severity": "suspend", "reject_media": True, "reject_reports": True,
        "private_comment": rule.private_comment, "public_comment": rule.public_comment, "obfuscate": False,
    }


def domain_allow_entity(rule: DomainRule) -> Entity:
    return {"id": str(rule.id), "domain": rule.domain, "created_at": format_datetime(rule.created_at)}


def admin_report_entity(
    view: ReportView, *, account: Entity | None, target: Entity | None, statuses: Sequence[Entity],
) -> Entity:
    closed = view.closure
    return {
        "id": str(view.id), "action_taken": closed is not None,
        "action_taken_at": format_optional_datetime(closed.at if closed else None),
        "category": view.category, "comment": view.comment, "forwarded": view.forwarded_at is not None,
        "created_at": format_datetime(view.created_at),
        "updated_at": format_datetime(closed.at if closed else view.created_at),
        "account": account, "target_account": target, "assigned_account": None,
        "action_taken_by_account": None, "statuses": list(statuses), "rules": [],
        "insideout": {
            "origin": view.origin, "reporter_uri": view.reporter_uri,
            "target_account_ids": [str(t.id) for t in view.targets], "object_uris": list(view.object_uris),
            "forward_requested": view.forward_requested,
            "forwarded_at": format_optional_datetime(view.forwarded_at),
            "action_taken_by": closed.by if closed else None,
        },
    }


def admin_action_entity(action: AdminAction) -> Entity:
    return {
        "id": str(action.id), "actor": action.actor, "action": action.action, "target_type": action.target_type,
        "target_id": action.target_id, "reason": action.reason, "detail": dict(action.detail),
        "created_at": format_datetime(action.created_at),
    }


def exposure_reason_entity(fact: ExposureFact) -> Entity:
    return {"cause": fact.cause.value, "at": format_datetime(fact.at), "subject": fact.subject,
            "actor": fact.actor, "reason": fact.reason}


def exposure_entity(exposure: Exposure, account: Entity) -> Entity:
    reasons = [exposure_reason_entity(f) for f in exposure.reasons]
    if exposure.default_cause is not None:
        reasons.insert(0, {"cause": exposure.default_cause, "at": None, "subject": None, "actor": None,
                           "reason": None})
    return {"account": account, "kind": exposure.account.kind.value, "reasons": reasons,
            "remote_followers": exposure.remote_followers}


def mode_entity(setting: ModeSetting) -> Entity:
    return {"mode": setting.mode, "configured_mode": setting.configured, "override": setting.override}


def domain_report_entity(report: DomainReport) -> Entity:
    health, counts = report.health, report.counts
    return {
        "domain": report.domain, "allowed": report.allowed, "followers": report.follower_count,
        "followers_by_account": [{"account_id": str(i), "count": n} for i, n in sorted(report.followers.items())],
        "delivery": {
            "pending": counts.pending if counts else 0, "done": counts.done if counts else 0,
            "failed": counts.failed if counts else 0, "gone": counts.gone if counts else 0,
            "expired": counts.expired if counts else 0,
            "consecutive_failures": health.consecutive_failures if health else 0,
            "failure_days": health.failure_days if health else 0,
            "first_failure_at": format_optional_datetime(health.first_failure_at if health else None),
            "last_failure_at": format_optional_datetime(health.last_failure_at if health else None),
            "last_success_at": format_optional_datetime(health.last_success_at if health else None),
            "unavailable": health.unavailable if health else False,
            "retry_at": format_optional_datetime(health.circuit_open_until if health else None),
        },
    }
