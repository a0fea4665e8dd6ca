"""The gate of the admin API: a staff user's token with an admin scope, and the admin role.

The order matters for what an outsider learns: an app-only token or no
token hears 401 (``require_user``), a token without the scope hears
Mastodon's 403, and only then is the role checked (403 for staff and
publishers). The role is the human's, even when the token acts as the
company or a department; ``Viewer.actor`` names that human in the audit log.

The ``admin_services`` helper names the admin services among the app's
shared ones (``Services.admin_accounts`` and its siblings).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from activitypub.errors import Forbidden
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import state
from server.services.admin_accounts import AdminAccounts
from server.services.admin_reports import AdminReports
from server.services.federation_admin import FederationAdmin
from storage.models import Role

ADMIN_ONLY_MESSAGE = "This action is only available to admins"

READ_ACCOUNTS = ("admin:read", "admin:read:accounts")
WRITE_ACCOUNTS = ("admin:write", "admin:write:accounts")
READ_REPORTS = ("admin:read", "admin:read:reports")
WRITE_REPORTS = ("admin:write", "admin:write:reports")
READ_DOMAIN_BLOCKS = ("admin:read", "admin:read:domain_blocks")
WRITE_DOMAIN_BLOCKS = ("admin:write", "admin:write:domain_blocks")
READ_DOMAIN_ALLOWS = ("admin:read", "admin:read:domain_allows")
WRITE_DOMAIN_ALLOWS = ("admin:write", "admin:write:domain_allows")
READ = ("admin:read",)
WRITE = ("admin:write",)


async def require_admin(request: Request, scopes: tuple[str, ...]) -> Viewer:
    viewer = await require_user(request, *scopes)
    if viewer.user.role is not Role.ADMIN:
        raise Forbidden(ADMIN_ONLY_MESSAGE, detail=f"role {viewer.user.role.value}")
    return viewer


@dataclass(frozen=True, slots=True)
class AdminServices:
    accounts: AdminAccounts
    federation: FederationAdmin
    reports: AdminReports


def admin_services(request: Request) -> AdminServices:
    services = state(request).services
    return AdminServices(services.admin_accounts, services.federation_admin, services.admin_reports)
