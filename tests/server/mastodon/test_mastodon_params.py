"""Rails-style parameter parsing: bracket nesting, casts, the typed wrapper."""

from __future__ import annotations

from typing import Any

import pytest

from activitypub.errors import BadRequest, InvalidInput, PayloadTooLarge
from server.edge.params import (
    MAX_DEPTH,
    MAX_ID,
    MAX_JSON_BYTES,
    Params,
    nest,
    parse_json_body,
    parse_query,
    split_key,
    to_bool,
    to_id,
    to_int,
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a=1", {"a": "1"}),
        ("a=1&a=2", {"a": "2"}),
        ("a=", {"a": ""}),
        ("a", {"a": ""}),
        ("a[]=1&a[]=2", {"a": ["1", "2"]}),
        ("a%5B%5D=1&a%5B%5D=2", {"a": ["1", "2"]}),
        ("media_ids[]=1&status=hi&media_ids[]=2", {"media_ids": ["1", "2"], "status": "hi"}),
        (
            "poll[options][]=yes&poll[options][]=no&poll[expires_in]=300&poll[multiple]=true",
            {"poll": {"options": ["yes", "no"], "expires_in": "300", "multiple": "true"}},
        ),
        (
            "fields_attributes[0][name]=a&fields_attributes[0][value]=b&fields_attributes[1][name]=c",
            {"fields_attributes": {"0": {"name": "a", "value": "b"}, "1": {"name": "c"}}},
        ),
        (
            "data[alerts][follow]=true&data[alerts][admin.sign_up]=0&data[policy]=all",
            {"data": {"alerts": {"follow": "true", "admin.sign_up": "0"}, "policy": "all"}},
        ),
        ("a[][k]=1&a[][v]=2&a[][k]=3", {"a": [{"k": "1", "v": "2"}, {"k": "3"}]}),
        ("a[][tags][]=x&a[][tags][]=y", {"a": [{"tags": ["x", "y"]}]}),
        ("a[b][c][d]=deep", {"a": {"b": {"c": {"d": "deep"}}}}),
        ("q=hello+world&x=%E2%9C%93", {"q": "hello world", "x": "\u2713"}),
        ("weird]key=1&[x]=2&a[b=3", {"weird]key": "1", "[x]": "2", "a[b": "3"}),
    ],
)
def test_rack_bracket_syntax(query: str, expected: dict[str, Any]) -> None:
    assert parse_query(query) == expected


def test_split_key() -> None:
    assert split_key("poll[options][]") == ["poll", "options", ""]
    assert split_key("plain") == ["plain"]
    with pytest.raises(BadRequest):
        split_key("a" + "[x]" * 40)


@pytest.mark.parametrize("query", ["a=1&a[]=2", "a[]=1&a[b]=2", "a[b]=1&a=2&a[c]=3", "a[b]=1&a[b][c]=2", "a[][]=1"])
def test_conflicting_shapes_are_bad_requests(query: str) -> None:
    with pytest.raises(BadRequest):
        parse_query(query)


def test_scalar_after_list_replaces_it_like_rack() -> None:
    # Rack assigns a plain key unconditionally; only the nested forms conflict.
    assert nest([("a[]", "1"), ("a", "2")]) == {"a": "2"}


@pytest.mark.parametrize("query", ["client_id=%00x", "a%00=1", "status[]=ok&status[]=%00"])
def test_a_nul_character_in_a_key_or_value_is_a_bad_request(query: str) -> None:
    with pytest.raises(BadRequest):
        parse_query(query)


def test_too_many_fields() -> None:
    with pytest.raises(BadRequest):
        parse_query("&".join(f"k{i}=v" for i in range(5000)))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True), ("true", True), ("TRUE", True), ("t", True), ("on", True), ("yes", True), ("no", True),
        ("anything", True), (" ", True),
        ("0", False), ("f", False), ("F", False), ("false", False), ("False", False), ("FALSE", False),
        ("off", False), ("OFF", False),
        ("", None), (None, None),
        (True, True), (False, False), (0, False), (1, True), (0.0, False),
    ],
)  # fmt: skip
def test_boolean_cast_is_activemodels(value: Any, expected: bool | None) -> None:
    assert to_bool(value) is expected


def test_boolean_of_a_list_is_an_error() -> None:
    with pytest.raises(BadRequest, match="sensitive"):
        to_bool(["1"], "sensitive")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("42", 42), (" 42 ", 42), ("-3", -3), ("+7", 7), (42, 42), (3.0, 3), ("", None), (None, None), ("  ", None)],
)
def test_int_cast(value: Any, expected: int | None) -> None:
    assert to_int(value) == expected


@pytest.mark.parametrize("value", ["4x", "1.5", "0x10", "1e3", True, 1.5, ["1"], {"a": "1"}, "9" * 21, "١٢"])
def test_int_cast_rejects(value: Any) -> None:
    with pytest.raises(BadRequest, match="limit must be an integer"):
        to_int(value, "limit")


def test_ids() -> None:
    assert to_id("109876543210987654") == 109876543210987654
    assert to_id(str(MAX_ID)) == MAX_ID
    assert to_id(None) is None
    for bad in (str(MAX_ID + 1), "-1", "abc"):
        with pytest.raises(BadRequest, match="max_id"):
            to_id(bad, "max_id")


class TestParams:
    def test_strings(self) -> None:
        params = Params({"status": "hi", "n": 3, "b": True, "blank": "", "l": ["x"]})
        assert params.get_str("status") == "hi"
        assert params.get_str("n") == "3"
        assert params.get_str("b") == "true"
        assert params.get_str("missing") is None
        assert params.get_str("missing", "dflt") == "dflt"
        assert params.get_str("blank") == ""
        with pytest.raises(BadRequest, match="l must be a string"):
            params.get_str("l")

    def test_require_str(self) -> None:
        params = Params({"status": "hi", "blank": "  "})
        assert params.require_str("status") == "hi"
        for name in ("blank", "missing"):
            with pytest.raises(BadRequest, match=f"param is missing or the value is empty: {name}"):
                params.require_str(name)

    def test_bool_defaults(self) -> None:
        params = Params({"yes": "1", "no": "0", "blank": ""})
        assert params.get_bool("yes") is True
        assert params.get_bool("no", True) is False
        assert params.get_bool("blank", True) is True
        assert params.get_bool("missing") is None

    def test_int_range_errors_are_unprocessable(self) -> None:
        params = Params({"expires_in": "100", "bad": "x"})
        assert params.get_int("expires_in", minimum=60, maximum=1000) == 100
        assert params.get_int("missing", 7) == 7
        with pytest.raises(InvalidInput, match="expires_in must be at least 300") as caught:
            params.get_int("expires_in", minimum=300)
        assert type(caught.value) is InvalidInput
        with pytest.raises(InvalidInput, match="at most 50"):
            params.get_int("expires_in", maximum=50)
        with pytest.raises(BadRequest, match="bad must be an integer"):
            params.get_int("bad")

    def test_lists(self) -> None:
        params = Params({"ids": ["1", "2"], "id": "5", "indexed": {"1": "b", "0": "a", "10": "c"}, "blank": ""})
        assert params.get_list("ids") == ["1", "2"]
        assert params.get_list("id") == ["5"]
        assert params.get_list("missing") == []
        assert params.get_list("indexed") == ["a", "b", "c"]
        assert params.get_str_list("ids") == ["1", "2"]
        assert params.get_str_list("blank") == []

    def test_id_lists(self) -> None:
        params = Params({"id": ["3", "1", "3", ""], "bad": ["1", "x"], "json": [5, "6"]})
        assert params.get_id_list("id") == [3, 1]
        assert params.get_id_list("json") == [5, 6]
        with pytest.raises(BadRequest, match="bad"):
            params.get_id_list("bad")

    def test_nested_dicts_name_their_path(self) -> None:
        params = Params(parse_query("poll[options][]=a&poll[expires_in]=soon"))
        poll = params.get_dict("poll")
        assert poll is not None
        assert poll.get_str_list("options") == ["a"]
        with pytest.raises(BadRequest, match=r"poll\[expires_in\] must be an integer"):
            poll.get_int("expires_in")
        assert params.get_dict("missing") is None
        with pytest.raises(BadRequest, match="must be a hash"):
            Params({"poll": "x"}).get_dict("poll")

    @pytest.mark.parametrize(
        "source",
        [
            parse_query("fields_attributes[1][name]=c&fields_attributes[0][name]=a&fields_attributes[0][value]=b"),
            {"fields_attributes": [{"name": "a", "value": "b"}, {"name": "c"}]},
        ],
    )
    def test_nested_attributes_from_brackets_or_json_arrays(self, source: dict[str, Any]) -> None:
        params = Params(source)
        fields = params.get_indexed("fields_attributes")
        assert [(field.get_str("name"), field.get_str("value")) for field in fields] == [("a", "b"), ("c", None)]
        as_hash = params.get_dict("fields_attributes")
        assert as_hash is not None and sorted(as_hash.data) == ["0", "1"]

    def test_indexed_rejects_scalars(self) -> None:
        with pytest.raises(BadRequest, match="list of hashes"):
            Params({"fields_attributes": ["x"]}).get_indexed("fields_attributes")

    def test_file_of_a_string_is_an_error(self) -> None:
        params = Params({"file": "not a file", "blank": ""})
        assert params.get_file("missing") is None
        assert params.get_file("blank") is None
        with pytest.raises(BadRequest, match="file must be a file"):
            params.get_file("file")

    def test_contains_and_get(self) -> None:
        params = Params({"a": "1"})
        assert "a" in params and "b" not in params
        assert params.get("a") == "1"
        assert "a" in repr(params)


class TestJsonBody:
    def test_object(self) -> None:
        assert parse_json_body(b'{"status": "hi", "media_ids": ["1"]}') == {"status": "hi", "media_ids": ["1"]}

    def test_keys_are_literal(self) -> None:
        assert parse_json_body(b'{"poll[options][]": "x"}') == {"poll[options][]": "x"}

    def test_blank(self) -> None:
        assert parse_json_body(b"") == {} and parse_json_body(b"  \n") == {}

    def test_non_object_goes_to_json_key(self) -> None:
        assert parse_json_body(b"[1, 2]") == {"_json": [1, 2]}

    @pytest.mark.parametrize("body", [b"{", b'{"a": }', b"{'a': 1}", b'{"a": NaN}', b'{"a": Infinity}', b"\xff\xfe{"])
    def test_malformed(self, body: bytes) -> None:
        with pytest.raises(BadRequest, match="JSON"):
            parse_json_body(body)

    def test_absurd_nesting(self) -> None:
        with pytest.raises(BadRequest, match="JSON"):
            parse_json_body(b"[" * 100_000 + b"]" * 100_000)

    def test_nesting_is_limited_like_bracket_keys(self) -> None:
        at_limit = b'{"a":' * MAX_DEPTH + b"1" + b"}" * MAX_DEPTH
        assert parse_json_body(at_limit)["a"] is not None
        with pytest.raises(BadRequest, match="JSON nested too deeply"):
            parse_json_body(b"[" + at_limit + b"]")

    @pytest.mark.parametrize("body", [rb'{"status": "\u0000"}', rb'{"status": "\ud800"}', b'{"n": 1e400}'])
    def test_values_no_column_can_hold_are_malformed(self, body: bytes) -> None:
        with pytest.raises(BadRequest, match="malformed JSON"):
            parse_json_body(body)

    def test_a_body_over_the_limit_is_too_large(self) -> None:
        body = b'{"status": "' + b"x" * MAX_JSON_BYTES + b'"}'
        with pytest.raises(PayloadTooLarge, match="JSON body too large"):
            parse_json_body(body)
