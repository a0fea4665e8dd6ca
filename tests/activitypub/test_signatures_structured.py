"""The RFC 8941 parser and serialiser behind RFC 9421 and RFC 9530."""

from __future__ import annotations

from decimal import Decimal

import pytest

from activitypub.signatures.structured import (
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    parse_dictionary,
    parse_item,
    parse_list,
    serialize_bare_item,
    serialize_dictionary,
    serialize_list,
    serialize_member,
)


def test_dictionary_with_everything() -> None:
    parsed = parse_dictionary('a=1, b=?0, c=(x "y" :AQI=:);p=-1.5, d, e=tok/en:x;q="s\\"t"')
    assert parsed["a"] == Item(1)
    assert parsed["b"] == Item(False)
    assert parsed["c"] == InnerList((Item(Token("x")), Item("y"), Item(b"\x01\x02")), {"p": Decimal("-1.5")})
    assert parsed["d"] == Item(True)
    assert parsed["e"] == Item(Token("tok/en:x"), {"q": 's"t'})
    member = parsed["e"]
    assert isinstance(member, Item) and isinstance(member.value, Token)


@pytest.mark.parametrize(
    "text",
    [
        'sig1=("@method" "@target-uri");created=1618884473;keyid="test-key-rsa";alg="rsa-v1_5-sha256"',
        "a=1, b=2;x=1;y=2, c=(a b c)",
        "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:, sha-512=:AA==:",
        "a, b;c=?0, d=4.5",
        "x=()",
    ],
)
def test_dictionary_roundtrip(text: str) -> None:
    assert serialize_dictionary(parse_dictionary(text)) == text


def test_list_and_item() -> None:
    assert parse_list('1, "two", (3 4);five') == [
        Item(1), Item("two"), InnerList((Item(3), Item(4)), {"five": True})
    ]
    assert serialize_list(parse_list('  1 ,\t"two"  ')) == '1, "two"'
    assert parse_item("*foo;bar") == Item(Token("*foo"), {"bar": True})
    assert parse_item("  42  ") == Item(42)


def test_whitespace_in_inner_list_is_normalised() -> None:
    assert serialize_member(parse_dictionary("c=(a   b   c)")["c"]) == "(a b c)"


def test_duplicate_keys_keep_the_last_value() -> None:
    assert parse_dictionary("a=1, a=2") == {"a": Item(2)}


def test_missing_padding_is_tolerated() -> None:
    assert parse_item(":AQI:") == Item(b"\x01\x02")


@pytest.mark.parametrize(
    "text",
    [
        "a=1,",
        "a=1 b=2",
        "A=1",
        "a=(1 2",
        "a=(1,2)",
        'a="unterminated',
        'a="bad \\n escape"',
        "a=:not base64:",
        "a=:AQI",
        "a=?2",
        "a=1234567890123456",
        "a=1.2345",
        "a=1234567890123.5",
        "a=1.",
        "a=-",
        "a=#",
        "a=1;B=2",
        "a=\u00e9",
        "a=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg==:",
    ],
)
def test_invalid_dictionaries(text: str) -> None:
    with pytest.raises(StructuredFieldError):
        parse_dictionary(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "?1"),
        (False, "?0"),
        (-12, "-12"),
        (Decimal("1.5000"), "1.5"),
        (Decimal("2"), "2.0"),
        (Decimal("0.0005"), "0.0"),
        ('a "q" \\', '"a \\"q\\" \\\\"'),
        (Token("text/html"), "text/html"),
        (b"\xff", ":/w==:"),
    ],
)
def test_serialize_bare_items(value: bool | int | Decimal | str | bytes, expected: str) -> None:
    assert serialize_bare_item(value) == expected


@pytest.mark.parametrize("value", [10**15, "tab\t", Token("1abc"), Token("a b"), Decimal("1234567890123.1")])
def test_unserialisable(value: int | str | Decimal) -> None:
    with pytest.raises(StructuredFieldError):
        serialize_bare_item(value)


def test_invalid_keys_are_not_serialised() -> None:
    with pytest.raises(StructuredFieldError):
        serialize_dictionary({"Bad": Item(1)})
