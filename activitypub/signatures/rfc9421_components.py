"""RFC 9421 section 2: component values and the signature base."""

from __future__ import annotations

import base64
import string

from .message import SignedRequest
from .result import Reason, SignatureRejected
from .structured import (
    InnerList,
    Item,
    Member,
    StructuredFieldError,
    Token,
    parse_dictionary,
    parse_item,
    parse_list,
    serialize_dictionary,
    serialize_list,
    serialize_member,
)

# Structured fields whose type is known, for the ``;sf`` and ``;key`` flags.
_DICTIONARY_FIELDS = frozenset(
    {
        "signature",
        "signature-input",
        "accept-signature",
        "content-digest",
        "repr-digest",
        "want-content-digest",
        "want-repr-digest",
        "priority",
        "example-dict",
    }
)
_LIST_FIELDS = frozenset({"cache-status", "proxy-status", "accept-ch", "example-list"})
_ITEM_FIELDS = frozenset({"example-item"})
_DERIVED = frozenset(
    {"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query", "@query-param", "@status"}
)
_FIELD_FLAGS = frozenset({"sf", "key", "bs", "req"})
# WHATWG application/x-www-form-urlencoded percent-encode set leaves only these.
_QUERY_SAFE = frozenset((string.ascii_letters + string.digits + "*-._").encode())


def _malformed(detail: str) -> SignatureRejected:
    return SignatureRejected(Reason.MALFORMED, detail)


def _missing(detail: str) -> SignatureRejected:
    return SignatureRejected(Reason.MISSING_COMPONENT, detail)


def component_name(component: Item) -> str:
    if not isinstance(component.value, str) or isinstance(component.value, Token):
        raise _malformed(f"component identifier is not a string: {component.value!r}")
    return component.value


def _target(message: SignedRequest, component: Item) -> SignedRequest:
    if component.params.get("req") is True:
        if message.request is None:
            raise _missing(f"{component_name(component)};req needs the related request")
        return message.request
    return message


def component_value(message: SignedRequest, component: Item) -> str:
    name = check_component(component)
    source = _target(message, component)
    if name.startswith("@"):
        value = _derived_value(source, name, component)
    else:
        value = _field_value(source, name, component)
    if "\n" in value or "\r" in value:
        raise _malformed(f"value of {name!r} contains a line break")
    return value


def check_component(component: Item) -> str:
    """Reject identifiers that are malformed whatever the message; returns the name."""
    name = component_name(component)
    params = component.params
    if name == "@signature-params":
        raise _malformed("@signature-params cannot be a covered component")
    if name.startswith("@"):
        allowed = {"req", "name"} if name == "@query-param" else {"req"}
        if name not in _DERIVED or not set(params) <= allowed:
            raise _malformed(f"unsupported derived component {serialize_member(component)}")
        if name == "@query-param" and (not isinstance(params.get("name"), str) or isinstance(params["name"], Token)):
            raise _malformed("@query-param needs a string name parameter")
        return name
    if name != name.lower() or not name:
        raise _malformed(f"field name {name!r} must be lower-case")
    if not set(params) <= _FIELD_FLAGS or ("bs" in params and ("sf" in params or "key" in params)):
        raise _malformed(f"unsupported component parameters in {serialize_member(component)}")
    if any(params.get(flag, True) is not True for flag in ("sf", "bs", "req")):
        raise _malformed(f"flag parameters take no value in {serialize_member(component)}")
    if "key" in params and (not isinstance(params["key"], str) or isinstance(params["key"], Token)):
        raise _malformed("key parameter must be a string")
    if params.get("sf") is True and name not in _DICTIONARY_FIELDS | _LIST_FIELDS | _ITEM_FIELDS:
        raise _malformed(f"structured type of {name!r} is unknown")
    return name


def _derived_value(message: SignedRequest, name: str, component: Item) -> str:
    if name == "@status":
        if message.status is None:
            raise _malformed("@status is only defined for responses")
        return f"{message.status:03d}"
    if message.status is not None:
        raise _malformed(f"{name} is not defined for responses without ;req")
    if name == "@query-param":
        return _query_param(message, component)
    values = {
        "@method": lambda: message.method,
        "@target-uri": lambda: message.url,
        "@authority": lambda: message.authority,
        "@scheme": lambda: message.scheme,
        "@request-target": lambda: message.request_target,
        "@path": lambda: message.path,
        "@query": lambda: "?" + message.query,
    }
    return values[name]()


def _percent_decode(text: str) -> bytes:
    raw = text.replace("+", " ").encode("utf-8")
    out = bytearray()
    pos = 0
    while pos < len(raw):
        if raw[pos] == 0x25 and pos + 2 < len(raw) and _is_hex(raw[pos + 1 : pos + 3]):
            out.append(int(raw[pos + 1 : pos + 3], 16))
            pos += 3
        else:
            out.append(raw[pos])
            pos += 1
    return bytes(out)


def _is_hex(pair: bytes) -> bool:
    return len(pair) == 2 and all(char in b"0123456789abcdefABCDEF" for char in pair)


def _percent_encode(raw: bytes) -> str:
    return "".join(chr(byte) if byte in _QUERY_SAFE else f"%{byte:02X}" for byte in raw)


def _query_param(message: SignedRequest, component: Item) -> str:
    wanted = str(component.params["name"])
    matches: list[str] = []
    for pair in message.query.split("&") if message.query else []:
        raw_name, _, raw_value = pair.partition("=")
        if _percent_encode(_percent_decode(raw_name)) == wanted:
            matches.append(_percent_encode(_percent_decode(raw_value)))
    if not matches:
        raise _missing(f"query parameter {wanted!r} is absent")
    if len(matches) > 1:
        # RFC 9421 2.2.8: a repeated parameter cannot be signed by name.
        raise _malformed(f"query parameter {wanted!r} occurs more than once")
    return matches[0]


def _field_value(message: SignedRequest, name: str, component: Item) -> str:
    params = component.params
    lines = message.header_values(name)
    if not lines:
        raise _missing(f"covered field {name!r} is absent")
    if params.get("bs") is True:
        return ", ".join(":" + base64.b64encode(line.encode()).decode("ascii") + ":" for line in lines)
    combined = ", ".join(lines)
    try:
        if "key" in params:
            return _dictionary_member(name, combined, str(params["key"]))
        if params.get("sf") is True:
            return _reserialize(name, combined)
    except StructuredFieldError as exc:
        raise _malformed(f"field {name!r} is not a valid structured field: {exc.detail}") from None
    return combined


def _dictionary_member(name: str, combined: str, key: str) -> str:
    member = parse_dictionary(combined).get(key)
    if member is None:
        raise _missing(f"dictionary member {key!r} is absent from {name!r}")
    return serialize_member(member)


def _reserialize(name: str, combined: str) -> str:
    if name in _DICTIONARY_FIELDS:
        return serialize_dictionary(parse_dictionary(combined))
    if name in _LIST_FIELDS:
        return serialize_list(parse_list(combined))
    if name in _ITEM_FIELDS:
        return serialize_member(parse_item(combined))
    raise _malformed(f"structured type of {name!r} is unknown")  # check_component stops this earlier


def signature_base(message: SignedRequest, signature_input: Member) -> str:
    """The exact text that is signed (RFC 9421 2.5), LF-separated, no trailing LF."""
    if not isinstance(signature_input, InnerList):
        raise _malformed("signature input must be an inner list")
    lines: list[str] = []
    check_components(signature_input)
    for component in signature_input.items:
        lines.append(f"{serialize_member(component)}: {component_value(message, component)}")
    lines.append(f'"@signature-params": {serialize_member(signature_input)}')
    return "\n".join(lines)


def check_components(signature_input: InnerList) -> None:
    """Static checks on a whole covered-components list (RFC 9421 2.5 and 3.2)."""
    seen: set[str] = set()
    for component in signature_input.items:
        check_component(component)
        identifier = serialize_member(component)
        if identifier in seen:
            raise _malformed(f"component {identifier} is covered twice")
        seen.add(identifier)
