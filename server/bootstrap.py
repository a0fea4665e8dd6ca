"""First start and every start: schema, the fixed base URL, the company, the instance actor, the first admin."""

from __future__ import annotations

from dataclasses import dataclass

from activitypub.errors import ConfigError, StorageError
from federation.instance_actor import load_or_create_instance_actor
from server.config import Settings
from server.passwords import Passwords, generate_password
from server.services.accounts import AccountService
from storage.models import AccountKind, Role
from storage.protocols import Storage

BASE_URL_KEY = "base_url"


@dataclass(frozen=True, slots=True)
class FirstAdmin:
    username: str
    email: str
    password: str


async def prepare_instance(settings: Settings, storage: Storage) -> bool:
    """Bring the schema up to date and check the facts federation identities depend on.

    Processes starting together take turns (``storage.exclusive()``), so only one creates what is missing.
    True when this call created the instance: its base URL, and with it every id, is fixed from now on.
    """
    async with storage.exclusive():
        if settings.storage.auto_migrate:
            await storage.migrate()
        else:
            pending = await storage.pending_migrations()
            if pending:
                raise StorageError(
                    "The database schema is older than this version of Insideout",
                    detail=f"{len(pending)} migrations pending; run `insideout db migrate` first",
                )
        created = await _check_base_url(settings, storage)
        await _ensure_company(settings, storage)
        await load_or_create_instance_actor(storage, settings.base_url)
    return created


async def ensure_first_admin(settings: Settings, storage: Storage, passwords: Passwords) -> FirstAdmin | None:
    """Create an admin when there is none; the caller shows the password once, on the terminal."""
    async with storage.exclusive():
        return await _first_admin(settings, storage, passwords)


async def _first_admin(settings: Settings, storage: Storage, passwords: Passwords) -> FirstAdmin | None:
    if await storage.accounts.list_users():
        return None
    password = generate_password()
    organization = settings.organization
    await AccountService(storage, passwords).create_employee(
        organization.admin_username, organization.admin_email, password, role=Role.ADMIN, display_name="Admin",
        # The first admin is the way in when single sign-on fails or is not set up yet.
        local_login=True,
    )
    return FirstAdmin(organization.admin_username, organization.admin_email, password)


async def _check_base_url(settings: Settings, storage: Storage) -> bool:
    """Store the base URL at the first start (True), or check it is the stored one."""
    stored = await storage.instance.get_meta(BASE_URL_KEY)
    if stored is None:
        await storage.instance.set_meta(BASE_URL_KEY, settings.base_url)
        return True
    if stored != settings.base_url:
        raise ConfigError(
            f"[server] base_url: this instance was created as {stored} and cannot move to {settings.base_url};"
            " every actor and object id is built from it"
        )
    return False


async def _ensure_company(settings: Settings, storage: Storage) -> None:
    companies = await storage.accounts.list_local(AccountKind.COMPANY)
    username = settings.organization.company_username
    if not companies:
        await AccountService(storage, Passwords()).create_organisational(
            AccountKind.COMPANY, username, settings.organization.name
        )
    elif companies[0].username.lower() != username.lower():
        raise ConfigError(
            f"[organization] company_username: the company account is {companies[0].username!r}"
            " and cannot be renamed; outside servers know it by that name"
        )
