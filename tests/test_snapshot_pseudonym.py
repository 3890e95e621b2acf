"""The HMAC computed inside DuckDB equals Python's ``hmac``; key handling."""

from __future__ import annotations

import duckdb
import pytest

from auditlib.snapshot.pseudonym import (
    KEY_ENV,
    MACRO_EMAIL,
    MACRO_HMAC,
    hmac_hex,
    install_macros,
    normalise_email,
    resolve_key,
)

VALUES = [
    "anna@example.se",
    "  Anna@Example.SE\t\n",
    "ÅSA.Öberg@exempel.se ",
    "x" * 200,
    "",
    "   ",
    None,
]


@pytest.mark.parametrize("key", [b"k" * 16, b"0123456789abcdef" * 4, bytes(range(256)) * 2])
def test_duckdb_hmac_equals_python_hmac(key: bytes) -> None:
    """Short, block-sized and longer-than-block keys (hashed first, RFC 2104)."""
    con = duckdb.connect()
    install_macros(con, key)
    for v in VALUES:
        raw, norm = con.execute(
            f"SELECT {MACRO_HMAC}(?::VARCHAR), {MACRO_HMAC}({MACRO_EMAIL}(?::VARCHAR))", [v, v]
        ).fetchone()
        expected_raw = hmac_hex(key, v)
        assert raw == expected_raw, v
        assert norm == hmac_hex(key, normalise_email(v)), v


def test_email_normalisation_trims_lowercases_and_blanks_to_null() -> None:
    assert normalise_email("  Anna@Example.SE\t") == "anna@example.se"
    assert normalise_email(" \t ") is None
    assert normalise_email(None) is None


def test_key_from_environment_and_fingerprint_does_not_reveal_it(monkeypatch) -> None:
    monkeypatch.setenv(KEY_ENV, "correct horse battery staple")
    k = resolve_key()
    assert k.source == "env" and k.key == b"correct horse battery staple"
    assert len(k.fingerprint) == 16 and k.key.hex()[:16] not in k.fingerprint
    assert "correct" not in repr(k)
    assert resolve_key().fingerprint == k.fingerprint


def test_without_environment_key_a_random_key_is_used(monkeypatch, caplog) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    a, b = resolve_key(), resolve_key()
    assert a.source == "random" and a.key != b.key
    assert KEY_ENV in caplog.text


def test_short_key_is_refused(monkeypatch) -> None:
    monkeypatch.setenv(KEY_ENV, "short")
    with pytest.raises(ValueError, match="at least 16"):
        resolve_key()
