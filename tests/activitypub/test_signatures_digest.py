"""Digest (draft-cavage era) and Content-Digest (RFC 9530) against the RFC 9530 vectors."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from activitypub.signatures import (
    DigestCheck,
    content_digest_header,
    digest_header,
    verify_content_digest,
    verify_digest_header,
)

Vector = dict[str, Any]
SAMPLE = b'{"hello": "world"}'


def load(fixtures_dir: Path) -> Vector:
    data: Vector = json.loads((fixtures_dir / "signatures" / "rfc9530-content-digest.json").read_text())
    return data


def vector_ids() -> list[str]:
    return [
        "json-lf-sha256", "json-lf-sha512", "empty-sha256", "partial-sha256", "brotli-sha256",
        "brotli-sha512", "title-lf-sha256", "post-response-sha256", "status-response-sha256",
    ]


@pytest.mark.parametrize("vector_id", vector_ids())
def test_content_digest_vectors(fixtures_dir: Path, vector_id: str) -> None:
    vector = next(v for v in load(fixtures_dir)["vectors"] if v["id"] == vector_id)
    content = base64.b64decode(vector["content_base64"])
    assert content_digest_header(content, [vector["algorithm"]]) == vector["field_value"]
    assert verify_content_digest(vector["field_value"], content) is DigestCheck.MATCH
    assert verify_content_digest(vector["field_value"], content + b"x") is DigestCheck.MISMATCH


def test_every_vector_is_covered(fixtures_dir: Path) -> None:
    assert [v["id"] for v in load(fixtures_dir)["vectors"]] == vector_ids()


@pytest.mark.parametrize("algorithm", ["sha-256", "sha-512"])
def test_sample_values(fixtures_dir: Path, algorithm: str) -> None:
    sample = next(s for s in load(fixtures_dir)["sample_values"] if s["algorithm"] == algorithm)
    assert load(fixtures_dir)["sample_input_utf8"].encode() == SAMPLE
    field = f"{algorithm}={sample['value']}"
    assert content_digest_header(SAMPLE, [algorithm]) == field
    assert verify_content_digest(field, SAMPLE) is DigestCheck.MATCH


@pytest.mark.parametrize("algorithm", ["md5", "sha", "adler", "unixsum", "unixcksum", "crc32c"])
def test_insecure_sample_algorithms_are_unsupported(fixtures_dir: Path, algorithm: str) -> None:
    sample = next(s for s in load(fixtures_dir)["sample_values"] if s["algorithm"] == algorithm)
    if sample["verified"] and algorithm in ("md5", "sha"):
        # Sanity check of the vector itself; we still refuse these algorithms.
        name = {"md5": "md5", "sha": "sha1"}[algorithm]
        assert sample["value"] == ":" + base64.b64encode(hashlib.new(name, SAMPLE).digest()).decode() + ":"
    assert verify_content_digest(f"{algorithm}={sample['value']}", SAMPLE) is DigestCheck.UNSUPPORTED


def test_multi_value_field_checks_every_known_algorithm(fixtures_dir: Path) -> None:
    data = load(fixtures_dir)
    field = data["example_multi_value_field"].split(": ", 1)[1]
    brotli = base64.b64decode(next(v for v in data["vectors"] if v["id"] == "brotli-sha256")["content_base64"])
    assert verify_content_digest(field, brotli) is DigestCheck.MATCH
    good_256 = content_digest_header(brotli, ["sha-256"])
    forged_512 = content_digest_header(b"other", ["sha-512"])
    assert verify_content_digest(f"{good_256}, {forged_512}", brotli) is DigestCheck.MISMATCH
    assert verify_content_digest(f"md5=:AAAA:, {good_256}", brotli) is DigestCheck.MATCH
    assert content_digest_header(brotli, ["sha-256", "sha-512"]) == field


def test_known_flaws_in_the_rfc(fixtures_dir: Path) -> None:
    flaws = load(fixtures_dir)["known_flawed_values_in_source"]
    printed_brotli = bytes.fromhex(flaws[0]["value"].replace(" ", ""))
    assert content_digest_header(printed_brotli) == flaws[0]["printed_bytes_sha256"]
    assert verify_content_digest("sha-256=:d435Qo+nKZ+gLcUHn7GQtQ72hiBVAgqoLsZnZPiTGPk=:", printed_brotli) is (
        DigestCheck.MISMATCH
    )
    # The extra '=' makes the byte sequence invalid base64; strict parsing refuses it.
    body = b'{"hello": "world"}\n'
    assert verify_content_digest(flaws[1]["value"], body) is DigestCheck.MALFORMED


def test_gzip_example(fixtures_dir: Path) -> None:
    example = load(fixtures_dir)["gzip_example"]
    content = base64.b64decode(example["content_base64"])
    assert verify_content_digest(example["sha-256"], content) is DigestCheck.MATCH


@pytest.mark.parametrize("value", ["sha-256", "sha-256=abc", "sha-256=:AA==:;x=(", "sha-256=(1 2)", "", "sha-256=1"])
def test_malformed_content_digest(value: str) -> None:
    expected = DigestCheck.UNSUPPORTED if value == "" else DigestCheck.MALFORMED
    assert verify_content_digest(value, SAMPLE) is expected


def test_digest_header_matches_cavage_vector(fixtures_dir: Path) -> None:
    cavage = json.loads((fixtures_dir / "signatures" / "draft-cavage-12.json").read_text())
    expected = dict(cavage["request"]["headers"])["Digest"]
    assert digest_header(SAMPLE) == expected
    assert verify_digest_header(expected, SAMPLE) is DigestCheck.MATCH


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", DigestCheck.MATCH),
        ("sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", DigestCheck.MATCH),
        ("MD5=Sd/dVLAcvNLSq16eXua5uQ==, SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", DigestCheck.MATCH),
        ("SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", DigestCheck.MISMATCH),
        ("MD5=Sd/dVLAcvNLSq16eXua5uQ==", DigestCheck.UNSUPPORTED),
        ("SHA-256=!!!", DigestCheck.MALFORMED),
        ("SHA-256", DigestCheck.MALFORMED),
    ],
)
def test_verify_digest_header(value: str, expected: DigestCheck) -> None:
    assert verify_digest_header(value, SAMPLE) is expected


def test_sha512_digest_header() -> None:
    value = digest_header(SAMPLE, "sha-512")
    assert value.startswith("SHA-512=WZDPaVn/")
    assert verify_digest_header(value, SAMPLE) is DigestCheck.MATCH
