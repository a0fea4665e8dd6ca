"""SCIM filters (RFC 7644 §3.4.2.2), parsed by scim2-models, mapped to store queries.

The edge parses ``filter`` with scim2-models (``SearchRequest``), which
already refuses bad syntax and attributes the schema does not have. Here the
parsed tree becomes a ``storage.scim.ScimQuery``: equality tests on fields
named by ``storage.scim``, so the text of a filter never reaches SQL. What an
identity provider sends is supported:

- Users: ``userName eq``, ``externalId eq``, ``id eq``, ``emails.value eq``,
  ``emails[type eq "work"].value eq`` (and its form ``emails[type eq "work"
  and value eq ...]``);
- Groups: ``displayName eq``, ``externalId eq``, ``id eq``;
- any of these joined by ``and``.

Anything else (``or``, ``not``, ``pr``, other operators, longer values) is
an ``invalidFilter`` error, never a query that silently matches everything.
"""

from __future__ import annotations

from collections.abc import Mapping

from scim2_models import InvalidFilterException
from scim2_models.path import AttrPath, CompareOperator, Comparison, FilterNode, LogicalExpr, LogicalOperator, ValuePath

from storage.scim import GroupField, UserField

MAX_VALUE = 256
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:user"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:group"
USER_ATTRIBUTES: Mapping[tuple[str, str | None], str] = {
    ("username", None): UserField.USER_NAME,
    ("externalid", None): UserField.EXTERNAL_ID,
    ("id", None): UserField.ID,
    ("emails", "value"): UserField.EMAIL,
}
GROUP_ATTRIBUTES: Mapping[tuple[str, str | None], str] = {
    ("displayname", None): GroupField.DISPLAY_NAME,
    ("externalid", None): GroupField.EXTERNAL_ID,
    ("id", None): GroupField.ID,
}
Equalities = tuple[tuple[str, str], ...]


def user_equalities(node: FilterNode | None) -> Equalities:
    return () if node is None else _equalities(node, USER_ATTRIBUTES, USER_SCHEMA)


def group_equalities(node: FilterNode | None) -> Equalities:
    return () if node is None else _equalities(node, GROUP_ATTRIBUTES, GROUP_SCHEMA)


def _equalities(node: FilterNode, attributes: Mapping[tuple[str, str | None], str], schema: str) -> Equalities:
    if isinstance(node, LogicalExpr) and node.op == LogicalOperator.and_:
        return tuple(test for term in node.terms for test in _equalities(term, attributes, schema))
    if isinstance(node, Comparison):
        return ((_field(node.attr_path, attributes, schema), _value(node)),)
    if isinstance(node, ValuePath) and node.sub_attr is None and attributes is USER_ATTRIBUTES:
        return _work_email(node)
    raise InvalidFilterException(detail="Only eq tests joined by 'and' on the supported attributes are supported")


def _field(path: AttrPath, attributes: Mapping[tuple[str, str | None], str], schema: str) -> str:
    if path.uri is not None and path.uri.lower() != schema:
        raise InvalidFilterException(detail=f"Filtering on {path} is not supported")
    field = attributes.get((path.attr.lower(), path.sub_attr.lower() if path.sub_attr else None))
    if field is None:
        raise InvalidFilterException(detail=f"Filtering on {path} is not supported")
    return field


def _value(node: Comparison) -> str:
    if node.op != CompareOperator.eq:
        raise InvalidFilterException(detail="Only the eq operator is supported")
    if not isinstance(node.value, str) or not node.value or len(node.value) > MAX_VALUE:
        raise InvalidFilterException(detail=f"A filter compares with a string of 1 to {MAX_VALUE} characters")
    if any(ord(character) < 0x20 for character in node.value):
        raise InvalidFilterException(detail="A filter value holds no control character")
    return node.value


def _work_email(node: ValuePath) -> Equalities:
    """``emails[type eq "work" and value eq "..."]``: the work email is the one the store knows."""
    if node.attr_path.attr.lower() != "emails" or node.attr_path.sub_attr is not None:
        raise InvalidFilterException(detail=f"Filtering on {node.attr_path}[...] is not supported")
    terms = node.val_filter.terms if isinstance(node.val_filter, LogicalExpr) \
        and node.val_filter.op == LogicalOperator.and_ else (node.val_filter,)
    email: str | None = None
    for term in terms:
        if not isinstance(term, Comparison) or term.attr_path.sub_attr is not None:
            raise InvalidFilterException(detail="emails[...] takes type eq and value eq only")
        name = term.attr_path.attr.lower()
        if name == "type" and _value(term).lower() == "work":
            continue
        if name == "value":
            email = _value(term)
            continue
        raise InvalidFilterException(detail='emails[...] supports type eq "work" and value eq only')
    if email is None:
        raise InvalidFilterException(detail="emails[...] needs a value eq test")
    return ((UserField.EMAIL, email),)
