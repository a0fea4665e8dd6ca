"""Key helpers, including every publicKeyPem published by the actors in the fixtures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from activitypub.errors import BadRequest
from activitypub.signatures import (
    InvalidKey,
    default_algorithm,
    generate_rsa_key,
    load_private_key_pem,
    load_public_key_pem,
    private_key_pem,
    public_key_pem,
)

ACTOR_FILES = [
    "remote/akkoma/actor-person.json",
    "remote/discourse/actor-group.json",
    "remote/friendica/actor-person.json",
    "remote/gnusocial/actor-group.json",
    "remote/gotosocial/actor-application-bot.json",
    "remote/gotosocial/actor-person-emoji.json",
    "remote/gotosocial/actor-person-fields.json",
    "remote/gotosocial/actor-person-moved.json",
    "remote/guppe/actor-group.json",
    "remote/lemmy/actor-application-instance.json",
    "remote/lemmy/actor-group.json",
    "remote/lemmy/actor-person.json",
    "remote/mastodon/actor-application-relay.json",
    "remote/mastodon/actor-person.json",
    "remote/mastodon/actor-service.json",
    "remote/mastodon/http-actor-response.txt",
    "remote/mbin/actor-application-instance.json",
    "remote/misskey/actor-person.json",
    "remote/mitra/actor-person-multikey.json",
    "remote/mobilizon/actor-group.json",
    "remote/peertube/actor-group-channel.json",
    "remote/peertube/actor-person.json",
    "remote/pleroma/actor-person.json",
    "remote/smithereen/actor-person.json",
    "remote/takahe/actor-person.json",
    "remote/wordpress/actor-person.json",
]


def _pems(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "publicKeyPem" and isinstance(value, str):
                yield value
            else:
                yield from _pems(value)
    elif isinstance(node, list):
        for value in node:
            yield from _pems(value)


def actor_pems(path: Path) -> list[str]:
    text = path.read_text()
    if path.suffix == ".txt":
        # A raw HTTP response: the JSON body follows the first blank line.
        text = text.replace("\r\n", "\n").split("\n\n", 1)[1]
    return list(_pems(json.loads(text)))


@pytest.mark.parametrize("relative", ACTOR_FILES)
def test_actor_public_keys_load(fixtures_dir: Path, relative: str) -> None:
    pems = actor_pems(fixtures_dir / relative)
    assert pems
    for pem in pems:
        key = load_public_key_pem(pem)
        assert isinstance(key, rsa.RSAPublicKey)
        assert key.key_size in (2048, 4096)
        # What we would republish must load back to the same key.
        reloaded = load_public_key_pem(public_key_pem(key))
        assert isinstance(reloaded, rsa.RSAPublicKey)
        assert reloaded.public_numbers() == key.public_numbers()


def test_pkcs1_rsa_public_key_loads(fixtures_dir: Path) -> None:
    (pem,) = actor_pems(fixtures_dir / "remote/mobilizon/actor-group.json")
    assert pem.startswith("-----BEGIN RSA PUBLIC KEY-----")
    assert public_key_pem(load_public_key_pem(pem)).startswith("-----BEGIN PUBLIC KEY-----")


def test_truncated_fixture_key_is_refused_cleanly(fixtures_dir: Path) -> None:
    # The Mastodon Update fixture's key was edited upstream and lost characters.
    (pem,) = actor_pems(fixtures_dir / "remote/mastodon/update-person.json")
    with pytest.raises(InvalidKey) as raised:
        load_public_key_pem(pem)
    assert isinstance(raised.value, BadRequest)


@pytest.mark.parametrize("pem", ["", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"])
def test_garbage_public_keys(pem: str) -> None:
    with pytest.raises(InvalidKey):
        load_public_key_pem(pem)


def test_unsupported_key_type_is_refused() -> None:
    pem = X25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(InvalidKey):
        load_public_key_pem(pem)


def test_generate_and_roundtrip_pem() -> None:
    key = generate_rsa_key()
    assert key.key_size == 2048
    pem = private_key_pem(key)
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    loaded = load_private_key_pem(pem)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    assert loaded.private_numbers() == key.private_numbers()
    assert public_key_pem(key) == public_key_pem(key.public_key())
    with pytest.raises(InvalidKey):
        load_private_key_pem("nope")


def test_default_algorithms() -> None:
    assert default_algorithm(generate_rsa_key(1024)) == "rsa-v1_5-sha256"
    assert default_algorithm(Ed25519PrivateKey.generate().public_key()) == "ed25519"
    assert default_algorithm(ec.generate_private_key(ec.SECP256R1())) == "ecdsa-p256-sha256"
    assert default_algorithm(ec.generate_private_key(ec.SECP384R1()).public_key()) == "ecdsa-p384-sha384"
    assert default_algorithm(b"secret") == "hmac-sha256"
