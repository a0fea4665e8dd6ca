"""Small builders for storage tests; keys are fixed strings since storage never parses them."""

from __future__ import annotations

from storage.models import AccountKind, NewAccount, NewUser, Role


def new_account(username: str, kind: AccountKind = AccountKind.EMPLOYEE, **overrides: object) -> NewAccount:
    fields: dict[str, object] = {
        "kind": kind,
        "username": username,
        "display_name": username.title(),
        "public_key_pem": f"public-{username}",
        "private_key_pem": f"private-{username}",
    }
    fields.update(overrides)
    return NewAccount(**fields)  # type: ignore[arg-type]


def new_user(email: str, role: Role = Role.STAFF) -> NewUser:
    return NewUser(email=email, password_hash=f"hash-of-{email}", role=role)
