"""The protocol's token and credential functions, pinned to Heroku's published vectors."""

import base64
import hashlib

import pytest

from heroku import tokens


@pytest.mark.parametrize(
    ("resource_id", "salt", "timestamp", "token"),
    [
        ("123", "salty", "567", "8bcafa70e186a8f9b85a1c93f3b6b0507748ec7a"),
        (
            "123",
            "2f97bfa52ca102f8874716e2eb1d3b4920ad0be4",
            "1267597772",
            "bb466eb1d6bc345d11072c3cd25c311f21be130d",
        ),
    ],
)
def test_resource_token_matches_herokus_published_vectors(resource_id, salt, timestamp, token):
    assert tokens.resource_token(resource_id, salt, timestamp) == token


def test_user_scoped_resource_token_is_sha256_of_the_five_parts_joined_by_colons():
    expected = hashlib.sha256(b"res-uuid:salt:1267597772:user-uuid:dev@example.com").hexdigest()

    token = tokens.user_scoped_resource_token(
        "res-uuid", "salt", "1267597772", "user-uuid", "dev@example.com"
    )

    assert token == expected
    assert len(token) == 64


@pytest.mark.parametrize(
    ("given", "matches"),
    [
        ("8bcafa70e186a8f9b85a1c93f3b6b0507748ec7a", True),
        ("8BCAFA70E186A8F9B85A1C93F3B6B0507748EC7A", True),
        (" 8bcafa70e186a8f9b85a1c93f3b6b0507748ec7a\n", True),
        ("8bcafa70e186a8f9b85a1c93f3b6b0507748ec7b", False),
        ("8bcafa70e186a8f9b85a1c93f3b6b0507748ec7", False),
        ("", False),
        ("ñ" * 40, False),
        ("\ud800", False),
    ],
)
def test_token_matches_compares_hex_tokens(given, matches):
    assert tokens.token_matches("8bcafa70e186a8f9b85a1c93f3b6b0507748ec7a", given) is matches


def basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (basic(b"facturagem:s3cret"), ("facturagem", "s3cret")),
        (basic(b"facturagem:s3:cr:et"), ("facturagem", "s3:cr:et")),
        (basic(b"facturagem:"), ("facturagem", "")),
        ("basic " + base64.b64encode(b"a:b").decode(), ("a", "b")),
        (basic(b"facturagem"), None),
        (basic(b"\xff:\xfe"), None),
        ("Basic not-base64!", None),
        ("Basic ", None),
        ("Bearer abc", None),
        ("", None),
    ],
)
def test_basic_credentials_parses_the_authorization_header(header, expected):
    assert tokens.basic_credentials(header) == expected


def test_basic_credentials_match_needs_both_halves():
    header = basic(b"facturagem:s3cret")

    assert tokens.basic_credentials_match(header, username="facturagem", password="s3cret")
    assert not tokens.basic_credentials_match(header, username="facturagem", password="other")
    assert not tokens.basic_credentials_match(header, username="other", password="s3cret")


def test_unset_credentials_match_nothing():
    assert not tokens.basic_credentials_match(basic(b":"), username="", password="")
    assert not tokens.basic_credentials_match(basic(b"a:"), username="a", password="")


@pytest.mark.parametrize(
    ("offset", "fresh"), [(0, True), (300, True), (-300, True), (301, False), (-301, False)]
)
def test_timestamps_are_fresh_within_five_minutes_either_way(offset, fresh):
    assert tokens.timestamp_is_fresh(1_700_000_000 + offset, now=1_700_000_000) is fresh
