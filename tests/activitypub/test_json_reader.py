"""The one reader of untrusted JSON: depth counted without recursion, hostile shapes refused by reason."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from activitypub import json_reader
from activitypub.json_reader import Rejection, UntrustedJsonError, loads_untrusted, nesting_depth


def arrays(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def objects(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def reason_for(data: bytes | str, **limits: int) -> Rejection:
    with pytest.raises(UntrustedJsonError) as caught:
        loads_untrusted(data, **limits)
    return caught.value.reason


def test_the_public_names_are_exported_sorted() -> None:
    assert json_reader.__all__ == sorted(json_reader.__all__)


@pytest.mark.parametrize("nested", [arrays, objects])
def test_depth_exactly_at_the_limit_is_read(nested: Any) -> None:
    # given a document nested exactly as deep as allowed
    document = nested(10)

    # when it is read, then it parses like json.loads would
    assert loads_untrusted(document, max_depth=10) == json.loads(document)


@pytest.mark.parametrize("nested", [arrays, objects])
def test_one_level_over_the_limit_is_too_deep(nested: Any) -> None:
    assert reason_for(nested(11), max_depth=10) is Rejection.TOO_DEEP


@pytest.mark.parametrize("nested", [arrays, objects])
def test_thousands_of_levels_are_refused_not_a_recursion_error(nested: Any) -> None:
    # given the six-kilobyte body that used to be a 500
    document = nested(3000)

    # then json.loads alone overflows the stack, and the reader refuses it cleanly
    with pytest.raises(RecursionError):
        json.loads(document)
    assert reason_for(document) is Rejection.TOO_DEEP


def test_the_default_limit_is_64() -> None:
    assert loads_untrusted(arrays(64)) == json.loads(arrays(64))
    assert reason_for(arrays(65)) is Rejection.TOO_DEEP


def test_brackets_inside_strings_do_not_count() -> None:
    # given strings full of brackets, at a real depth of two
    document = json.dumps({"a": ["[[[[{{{{" * 50, "]]]]}}}}" * 50]})

    assert nesting_depth(document) == 2
    assert loads_untrusted(document, max_depth=2) == json.loads(document)


def test_escaped_quotes_do_not_end_a_string() -> None:
    # given a string holding an escaped quote followed by brackets
    document = r'["\"[[[[[[", "\\", [["x"]]]'

    assert nesting_depth(document) == 3
    assert loads_untrusted(document, max_depth=3) == ['"[[[[[[', "\\", [["x"]]]


def test_an_escaped_backslash_before_a_quote_ends_the_string() -> None:
    # "\\" is a whole string, so the brackets after it are real nesting
    assert nesting_depth(r'["\\", [[[]]]]') == 4
    assert reason_for(r'["\\", [[[]]]]', max_depth=3) is Rejection.TOO_DEEP


def test_few_brackets_skip_the_scan_and_still_parse() -> None:
    assert loads_untrusted(b'{"a": [1, 2, {"b": null}]}', max_depth=3) == {"a": [1, 2, {"b": None}]}


@pytest.mark.parametrize("document", [b"NaN", b'{"a": NaN}', b"[Infinity]", b"-Infinity", b"1e400", b"[-1e999]"])
def test_non_finite_numbers_are_not_json(document: bytes) -> None:
    assert reason_for(document) is Rejection.NOT_JSON


def test_an_integer_over_pythons_digit_limit_is_not_json() -> None:
    assert reason_for(b"1" * 5000) is Rejection.NOT_JSON


@pytest.mark.parametrize("document", [b"", b"{", b"{'a': 1}", b'{"a": }', b"[1,]", b'"unterminated'])
def test_malformed_documents_are_not_json(document: bytes) -> None:
    assert reason_for(document) is Rejection.NOT_JSON


@pytest.mark.parametrize("document", [b"\xff\xfe{}", b'{"a": "\xc3"}', '{"a": 1}'.encode("utf-16")])
def test_bytes_that_are_not_utf8_are_refused(document: bytes) -> None:
    assert reason_for(document) is Rejection.NOT_UNICODE


@pytest.mark.parametrize("document", [r'"\ud800"', r'{"\udc00": 1}', r'["\ude00\ud83d"]'])
def test_a_lone_surrogate_escape_is_refused(document: str) -> None:
    assert reason_for(document) is Rejection.NOT_UNICODE


def test_a_paired_surrogate_escape_is_an_emoji() -> None:
    assert loads_untrusted(rb'{"e": "\ud83d\ude00", "s": "\\ud800"}') == {"e": "\U0001f600", "s": "\\ud800"}


@pytest.mark.parametrize("document", [r'"\u0000"', r'{"a\u0000b": 1}', r'["\\\u0000"]', json.dumps("a\x00b")])
def test_a_nul_character_is_refused(document: str) -> None:
    assert reason_for(document) is Rejection.NUL_CHARACTER


def test_an_escaped_backslash_before_u0000_is_text() -> None:
    assert loads_untrusted(r'["\\u0000", "\\\\u0000"]') == ["\\u0000", "\\\\u0000"]


def test_size_is_checked_only_when_limited() -> None:
    document = json.dumps({"a": "x" * 100}).encode()

    assert loads_untrusted(document)["a"] == "x" * 100
    assert loads_untrusted(document, max_bytes=len(document))["a"] == "x" * 100
    assert reason_for(document, max_bytes=len(document) - 1) is Rejection.TOO_LARGE


def test_the_error_is_a_value_error_naming_its_reason() -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        loads_untrusted(arrays(100))


@pytest.mark.parametrize(
    "document",
    [b"[" * 1_000_000, b'"' + b'\\"' * 500_000, b'"\\' * 500_000, b'"' * 1_000_000, b'"[' * 500_000],
)
def test_the_scan_is_linear_on_hostile_megabytes(document: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(UntrustedJsonError):
        loads_untrusted(document)
    assert time.perf_counter() - started < 2


# Everything the reader keeps: not NUL, and no lone surrogate (``st.characters`` draws those from category Cs).
texts = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=30,
)


def depth_of(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    return 0


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_the_scan_agrees_with_the_parsed_depth(value: Any) -> None:
    # given any JSON value, written both ASCII-only and as raw UTF-8
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        # then the scan measures what the parser builds, and the reader returns the same value
        assert nesting_depth(text) == depth_of(value)
        assert loads_untrusted(text.encode("utf-8"), max_depth=depth_of(value)) == value
