"""RFC 9421 section 2 component values, using the RFC's own examples."""

from __future__ import annotations

import pytest

from activitypub.signatures import Reason, SignatureRejected, SignedRequest
from activitypub.signatures.rfc9421_components import component_value, signature_base
from activitypub.signatures.structured import InnerList, Item, parse_item

REQUEST = SignedRequest.build(
    "POST",
    "https://www.example.com/path?param=value",
    [
        ("Host", "www.example.com"),
        ("Date", "Tue, 20 Apr 2021 02:07:56 GMT"),
        ("X-OWS-Header", "   Leading and trailing whitespace.   "),
        ("Cache-Control", "max-age=60"),
        ("Cache-Control", "   must-revalidate"),
        ("Example-Dict", " a=1,    b=2;x=1;y=2,   c=(a   b   c)"),
        ("Example-Header", "value, with, lots"),
        ("Example-Header", "of, commas"),
    ],
)


def value(identifier: str, message: SignedRequest = REQUEST) -> str:
    return component_value(message, parse_item(identifier))


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ('"@method"', "POST"),
        ('"@target-uri"', "https://www.example.com/path?param=value"),
        ('"@authority"', "www.example.com"),
        ('"@scheme"', "https"),
        ('"@request-target"', "/path?param=value"),
        ('"@path"', "/path"),
        ('"@query"', "?param=value"),
        ('"host"', "www.example.com"),
        ('"x-ows-header"', "Leading and trailing whitespace."),
        ('"cache-control"', "max-age=60, must-revalidate"),
        ('"example-dict"', "a=1,    b=2;x=1;y=2,   c=(a   b   c)"),
        ('"example-dict";sf', "a=1, b=2;x=1;y=2, c=(a b c)"),
        ('"example-dict";key="a"', "1"),
        ('"example-dict";key="b"', "2;x=1;y=2"),
        ('"example-dict";key="c"', "(a b c)"),
        ('"example-header";bs', ":dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:"),
    ],
)
def test_rfc_examples(identifier: str, expected: str) -> None:
    assert value(identifier) == expected


@pytest.mark.parametrize(
    ("url", "expected_query", "authority"),
    [
        ("http://www.example.com/path?queryString", "?queryString", "www.example.com"),
        ("https://www.example.com/path", "?", "www.example.com"),
        ("https://WWW.Example.com:443/", "?", "www.example.com"),
        ("https://www.example.com:8443/", "?", "www.example.com:8443"),
        ("http://[2001:db8::1]:8080/x", "?", "[2001:db8::1]:8080"),
    ],
)
def test_query_and_authority(url: str, expected_query: str, authority: str) -> None:
    message = SignedRequest.build("GET", url)
    assert value('"@query"', message) == expected_query
    assert value('"@authority"', message) == authority


def test_empty_path_is_slash() -> None:
    message = SignedRequest.build("GET", "https://example.com")
    assert value('"@path"', message) == "/"
    assert value('"@request-target"', message) == "/"


QUERY = SignedRequest.build(
    "GET",
    "https://example.com/parameters?var=this%20is%20a%20big%0Amultiline%20value"
    "&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something&qux=",
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("var", "this%20is%20a%20big%0Amultiline%20value"),
        ("bar", "with%20plus%20whitespace"),
        ("fa%C3%A7ade%22%3A%20", "something"),
        ("qux", ""),
    ],
)
def test_query_param(name: str, expected: str) -> None:
    assert value(f'"@query-param";name="{name}"', QUERY) == expected


def test_query_param_absent_or_repeated() -> None:
    with pytest.raises(SignatureRejected) as absent:
        value('"@query-param";name="nope"', QUERY)
    assert absent.value.reason is Reason.MISSING_COMPONENT
    repeated = SignedRequest.build("GET", "https://example.com/?a=1&a=2")
    with pytest.raises(SignatureRejected) as twice:
        value('"@query-param";name="a"', repeated)
    assert twice.value.reason is Reason.MALFORMED


def test_response_status_and_req_flag() -> None:
    request = SignedRequest.build("POST", "https://example.com/foo", {"Content-Type": "application/json"})
    response = SignedRequest.build("", "", {"Content-Type": "text/plain"}, status=200, request=request)
    assert value('"@status"', response) == "200"
    assert value('"@method";req', response) == "POST"
    assert value('"@authority";req', response) == "example.com"
    assert value('"content-type";req', response) == "application/json"
    assert value('"content-type"', response) == "text/plain"
    with pytest.raises(SignatureRejected):
        value('"@method"', response)
    with pytest.raises(SignatureRejected):
        value('"@status"', request)


def test_line_breaks_in_values_are_refused() -> None:
    message = SignedRequest.build("GET", "https://example.com/", {"X-Evil": "a\n\"@method\": GET"})
    with pytest.raises(SignatureRejected) as raised:
        value('"x-evil"', message)
    assert raised.value.reason is Reason.MALFORMED


def test_signature_base_shape() -> None:
    signature_input = InnerList(
        (Item("@method"), Item("@authority"), Item("@query-param", {"name": "param"})),
        {"created": 1618884473, "keyid": "k"},
    )
    assert signature_base(REQUEST, signature_input) == (
        '"@method": POST\n'
        '"@authority": www.example.com\n'
        '"@query-param";name="param": value\n'
        '"@signature-params": ("@method" "@authority" "@query-param";name="param");created=1618884473;keyid="k"'
    )


def test_signed_request_headers_are_a_case_insensitive_multimap() -> None:
    message = SignedRequest.build("post", "https://x.example/", {"Content-Type": " a/b\t", "ACCEPT": "x"})
    assert message.method == "POST"
    assert message.headers == (("content-type", "a/b"), ("accept", "x"))
    multi = SignedRequest.build("GET", "https://x.example/", [("Accept", "a"), ("accept", "b")])
    assert multi.header("ACCEPT") == "a, b"
    assert multi.header_values("accept") == ["a", "b"]
    assert multi.header("missing") is None
    replaced = multi.with_headers({"Accept": "c", "Date": "d"})
    assert replaced.headers == (("accept", "c"), ("date", "d"))
