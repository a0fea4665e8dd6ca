"""SCIM Groups as departments (see ``server.services.provisioning`` for the whole mapping).

A group's members are the live SCIM users among its department's members;
SCIM adds and removes only those, so a member added by the CLI or an admin,
and a publisher's role, are left alone. Adding or removing members, the
PATCH identity providers send most (Entra ID a few members at a time), is
applied without reading the whole group: ``patch_members`` answers None for
any other PATCH, which then goes through the whole resource.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from scim2_models import Group, GroupMember, InvalidValueException, Meta, PatchOp, UniquenessException
from scim2_models.path import CompareOperator, Comparison, ValuePath

from activitypub.errors import Conflict, NotFound, StorageError
from server.services.accounts import AccountService
from server.services.admin_log import audit
from server.services.provisioning import (
    MAX_DISPLAY_NAME,
    MAX_PAGE,
    POLICY,
    Page,
    entity_version,
    scim_base,
    stored_attributes,
)
from server.services.scim_filters import group_equalities
from server.services.scim_tokens import ScimCaller
from server.services.validation import username_from_claim
from storage.clock import utcnow
from storage.models import AccountKind, MemberRole, ProfileChanges
from storage.protocols import Storage
from storage.scim import GroupField, ScimGroupRow, ScimQuery

MAX_MEMBERS_PER_CHANGE = 10_000


class ScimGroups:
    def __init__(self, storage: Storage, accounts: AccountService, base_url: str) -> None:
        self._storage = storage
        self._accounts = accounts
        self._base = scim_base(base_url)

    async def create(self, resource: Group, caller: ScimCaller) -> Group:
        display_name = _display_name(resource)
        wanted = _member_ids(resource.members or ())
        await self._require_users(wanted)  # refused before anything is made
        await self._refuse_taken(display_name, None)
        department_id = await self._department_for(display_name)
        now = utcnow()
        row = ScimGroupRow(account_id=department_id, display_name=display_name, external_id=resource.external_id,
                           resource=_stored(resource), version=1, created_at=now, updated_at=now)
        try:
            async with self._storage.transaction():
                await self._storage.scim.add_group(row)
                await audit(self._storage, caller.actor, "scim.group_create", "department", department_id,
                            display_name=display_name)
        except Conflict:
            raise UniquenessException(detail=f"displayName {display_name!r} is taken") from None
        await self._set_members(row, wanted, caller)
        return await self.get(str(department_id))

    async def get(self, group_id: str, *, with_members: bool = True) -> Group:
        return await self._resource(await self._live_row(group_id), with_members=with_members)

    async def search(self, filter_ast: Any, start_index: int, count: int | None, *, with_members: bool) -> Page:
        limit = MAX_PAGE if count is None else min(max(count, 0), MAX_PAGE)
        page = await self._storage.scim.find_groups(
            ScimQuery(group_equalities(filter_ast), max(start_index, 1) - 1, limit))
        return Page(page.total, max(start_index, 1),
                    [await self._resource(row, with_members=with_members) for row in page.rows])

    async def replace(self, group_id: str, resource: Group, caller: ScimCaller) -> Group:
        row = await self._live_row(group_id)
        return await self._write(row, resource, caller)

    async def patch(self, group_id: str, patch: PatchOp[Group], caller: ScimCaller) -> Group:
        row = await self._live_row(group_id)
        current = await self._resource(row, with_members=True)
        patch.patch(current, POLICY)
        return await self._write(row, current, caller)

    async def patch_members(self, group_id: str, patch: PatchOp[Group], caller: ScimCaller) -> bool:
        """Apply a PATCH that only adds or removes members, without reading the group; False for any other."""
        changes = _member_changes(patch)
        if changes is None:
            return False
        row = await self._live_row(group_id)
        added: set[int] = set()
        removed: set[int] = set()
        for adding, ids in changes:
            (added if adding else removed).update(ids)
            (removed if adding else added).difference_update(ids)
        await self._require_users(added)
        named = _named_members(patch)
        async with self._storage.transaction():
            current = {m.account_id for m in await self._storage.departments.members(row.account_id)}
            await self._change_members(row, added - current, removed & current, caller)
            if named:
                await self._storage.scim.update_group(replace(row, resource=_with_names(row.resource, named),
                                                              updated_at=utcnow()))
        return True

    async def delete(self, group_id: str, caller: ScimCaller) -> None:
        row = await self._live_row(group_id)
        await self._set_members(row, set(), caller)
        async with self._storage.transaction():
            await self._storage.scim.update_group(replace(row, updated_at=utcnow(), deleted_at=utcnow()))
            await audit(self._storage, caller.actor, "scim.group_delete", "department", row.account_id,
                        display_name=row.display_name)

    async def _write(self, row: ScimGroupRow, resource: Group, caller: ScimCaller) -> Group:
        display_name = _display_name(resource)
        wanted = _member_ids(resource.members or ())
        await self._require_users(wanted)
        await self._refuse_taken(display_name, row.account_id)
        try:
            async with self._storage.transaction():
                await self._storage.scim.update_group(replace(
                    row, display_name=display_name, external_id=resource.external_id, resource=_stored(resource),
                    updated_at=utcnow(),
                ))
                await self._storage.accounts.update_profile(row.account_id, ProfileChanges(display_name=display_name))
                await audit(self._storage, caller.actor, "scim.group_update", "department", row.account_id,
                            display_name=display_name)
        except Conflict:
            raise UniquenessException(detail=f"displayName {display_name!r} is taken") from None
        await self._set_members(row, wanted, caller)
        return await self.get(str(row.account_id))

    async def _set_members(self, row: ScimGroupRow, wanted: set[int], caller: ScimCaller) -> None:
        await self._require_users(wanted)
        async with self._storage.transaction():
            current = await self._scim_members(row.account_id)
            await self._change_members(row, wanted - current, current - wanted, caller)

    async def _change_members(self, row: ScimGroupRow, added: set[int], removed: set[int], caller: ScimCaller) -> None:
        if not added and not removed:
            return
        for account_id in sorted(added):
            await self._storage.departments.set_member(row.account_id, account_id, MemberRole.MEMBER)
        for account_id in sorted(removed):
            await self._storage.departments.remove_member(row.account_id, account_id)
        await audit(self._storage, caller.actor, "scim.group_members", "department", row.account_id,
                    added=",".join(map(str, sorted(added))), removed=",".join(map(str, sorted(removed))))

    async def _require_users(self, account_ids: set[int]) -> None:
        if len(account_ids) > MAX_MEMBERS_PER_CHANGE:
            raise InvalidValueException(detail=f"At most {MAX_MEMBERS_PER_CHANGE} members change at once")
        unknown = account_ids - await self._storage.scim.live_user_ids(sorted(account_ids))
        if unknown:
            raise InvalidValueException(detail=f"No User with id {min(unknown)}")

    async def _scim_members(self, department_id: int) -> set[int]:
        members = [m.account_id for m in await self._storage.departments.members(department_id)]
        return set(await self._storage.scim.live_user_ids(members))

    async def _resource(self, row: ScimGroupRow, *, with_members: bool) -> Group:
        stored = json.loads(row.resource)
        named = {str(member.get("value")): member.get("display") for member in stored.pop("members", None) or ()
                 if isinstance(member, dict)}
        resource = Group.model_validate(stored, scim_policy=POLICY)
        resource.id = str(row.account_id)
        resource.display_name = row.display_name
        resource.members = await self._members(row.account_id, named) if with_members else None
        resource.meta = Meta(resource_type="Group", created=row.created_at, last_modified=row.updated_at,
                             location=f"{self._base}/Groups/{row.account_id}", version=entity_version(row.version))
        return resource

    async def _members(self, department_id: int, named: dict[str, Any]) -> list[GroupMember] | None:
        """The SCIM users among the members, each ``display`` as the provider last named it, else the username."""
        ids = sorted(await self._scim_members(department_id))
        accounts = await self._storage.accounts.get_many(ids)
        members = [GroupMember.model_validate({
            "value": str(i), "display": named.get(str(i)) or accounts[i].username, "type": "User",
            "$ref": f"{self._base}/Users/{i}",
        }) for i in ids if i in accounts]
        return members or None

    async def _live_row(self, group_id: str) -> ScimGroupRow:
        row = await self._storage.scim.group(int(group_id)) if group_id.isdigit() and len(group_id) < 19 else None
        if row is None or row.deleted_at is not None:
            raise NotFound(f"No Group with id {group_id[:40]!r}")
        return row

    async def _refuse_taken(self, display_name: str, account_id: int | None) -> None:
        found = await self._storage.scim.find_groups(ScimQuery(((GroupField.DISPLAY_NAME, display_name),), limit=1))
        if any(row.account_id != account_id for row in found.rows):
            raise UniquenessException(detail=f"displayName {display_name!r} is taken")

    async def _department_for(self, display_name: str) -> int:
        """The department a new group is: one of that name no group manages, else a new one."""
        base = username_from_claim(display_name)
        for attempt in range(1, 100):
            slug = base if attempt == 1 else f"{base[:30 - len(str(attempt))]}{attempt}"
            account = await self._storage.accounts.get_local(slug)
            if account is None:
                try:
                    return (await self._accounts.create_organisational(AccountKind.DEPARTMENT, slug, display_name)).id
                except Conflict:
                    continue
            if account.kind is AccountKind.DEPARTMENT and await self._storage.scim.group(account.id) is None:
                return account.id
        raise StorageError(detail=f"no free department name near {base!r}")


def _display_name(resource: Group) -> str:
    name = (resource.display_name or "").strip()
    if not name or len(name) > MAX_DISPLAY_NAME:
        raise InvalidValueException(detail=f"displayName is 1 to {MAX_DISPLAY_NAME} characters")
    return name


def _stored(resource: Group) -> str:
    """The group's attributes as sent; of its members only what the provider named them (``display``)."""
    return stored_attributes(resource)


def _member_ids(members: Iterable[GroupMember]) -> set[int]:
    ids = set()
    for member in members:
        value = str(member.value or "")
        if not value.isdigit() or len(value) >= 19:
            raise InvalidValueException(detail=f"No User with id {value[:40]!r}")
        ids.add(int(value))
    return ids


def _member_changes(patch: PatchOp[Group]) -> Sequence[tuple[bool, set[int]]] | None:
    """(adding, ids) per operation when every one adds or removes members by value; None otherwise."""
    changes = []
    for operation in patch.operations or ():
        path = str(operation.path or "")
        op = str(operation.op.value)
        if path.lower() == "members" and op in ("add", "remove") and isinstance(operation.value, list):
            if not all(isinstance(item, dict) and set(item) <= {"value", "display", "$ref", "type"}
                       for item in operation.value):
                return None
            changes.append((op == "add", _member_ids(GroupMember.model_validate(item) for item in operation.value)))
        elif op == "remove" and operation.path is not None and operation.value is None:
            member = _removed_member(operation.path)
            if member is None:
                return None
            changes.append((False, {member}))
        else:
            return None
    return changes


def _named_members(patch: PatchOp[Group]) -> dict[str, str]:
    """The ``display`` the provider gave members it adds (Okta sends them; Entra ID does not)."""
    return {str(item.get("value")): str(item["display"]) for operation in patch.operations or ()
            if str(operation.op.value) == "add" and isinstance(operation.value, list)
            for item in operation.value if isinstance(item, dict) and item.get("display")}


def _with_names(resource: str, named: dict[str, str]) -> str:
    stored = json.loads(resource)
    members = {str(m.get("value")): m for m in stored.get("members") or () if isinstance(m, dict)}
    for value, display in named.items():
        members[value] = {"value": value, "display": display}
    stored["members"] = list(members.values())
    return json.dumps(stored, separators=(",", ":"))


def _removed_member(path: Any) -> int | None:
    """The id in ``members[value eq "id"]``, Okta's way of removing one member."""
    node = getattr(path, "ast", None)
    if not isinstance(node, ValuePath) or node.sub_attr is not None or node.attr_path.attr.lower() != "members":
        return None
    test = node.val_filter
    if not isinstance(test, Comparison) or test.op != CompareOperator.eq or str(test.attr_path).lower() != "value":
        return None
    value = str(test.value)
    return int(value) if value.isdigit() and len(value) < 19 else None
