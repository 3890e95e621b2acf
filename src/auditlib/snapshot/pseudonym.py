"""Pseudonymisation: HMAC-SHA256 under the run's key, computed inside DuckDB.

HMAC (RFC 2104) is ``H((K' xor opad) || H((K' xor ipad) || m))`` with ``K'`` the key
zero-padded to SHA-256's block size (64 bytes; a longer key is hashed first).
The two padded keys are constants of the run, so the whole HMAC is two
vectorised ``sha256`` calls on BLOBs per value: no Python loop over rows, and
the clear value never leaves the DuckDB pipeline that reads the source.
:func:`hmac_hex` is the reference in Python; a test proves both agree.

The SQL macro is a TEMP macro: it lives in the connection's temporary catalogue,
never in the snapshot file, so the key material is not written anywhere.

E-mail normalisation (ARCHITECTURE.md, spec "Subject identity"): white space at
both ends removed (space, tab, CR, LF, FF, VT), then lower-cased. A value that is
then empty is treated as missing (NULL): two blank addresses must not "match".

>>> hmac_hex(b"k" * 32, normalise_email("  Anna@Example.SE "))[:16]
'c424f8cce61fe65d'
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass

import duckdb

KEY_ENV = "AUDITLIB_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16
_BLOCK = 64
_WS = " \t\r\n\f\v"
_FINGERPRINT_LABEL = b"auditlib pseudonym key fingerprint v1"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PseudonymKey:
    key: bytes
    source: str  # 'env' | 'argument' | 'random'

    @property
    def fingerprint(self) -> str:
        """16 hex chars identifying the key without revealing it (HMAC of a fixed label)."""
        return hmac.new(self.key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]

    def __repr__(self) -> str:  # never print the key
        return f"PseudonymKey(source={self.source!r}, fingerprint={self.fingerprint!r})"


def resolve_key(key: bytes | None = None) -> PseudonymKey:
    """The key for this run: ``key`` if given, else ``AUDITLIB_PSEUDONYM_KEY``, else random.

    A key from the environment is its UTF-8 bytes. Keys shorter than 16 bytes are
    refused: the pseudonymised values are e-mail addresses, and a short key would
    make a dictionary attack on them practical.
    """
    if key is not None:
        source = "argument"
    else:
        env = os.environ.get(KEY_ENV)
        if env:
            key, source = env.encode("utf-8"), "env"
        else:
            log.warning(
                "%s is not set: using a random key for this snapshot only. Pseudonyms will "
                "not match those of other snapshots; set %s to compare runs.",
                KEY_ENV,
                KEY_ENV,
            )
            return PseudonymKey(secrets.token_bytes(32), "random")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(
            f"the pseudonymisation key is {len(key)} bytes; it must be at least "
            f"{MIN_KEY_BYTES} (e.g. export {KEY_ENV}=$(openssl rand -hex 32))"
        )
    return PseudonymKey(bytes(key), source)


def normalise_email(value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip(_WS).lower()
    return v or None


def hmac_hex(key: bytes, value: str | None) -> str | None:
    """Reference implementation (Python's ``hmac``) of what the SQL macro computes."""
    if value is None:
        return None
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _padded(key: bytes) -> tuple[bytes, bytes]:
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    k = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in k), bytes(b ^ 0x5C for b in k)


MACRO_HMAC = "_auditlib_hmac"
MACRO_EMAIL = "_auditlib_email_norm"


def install_macros(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """TEMP macros ``_auditlib_hmac(v)`` and ``_auditlib_email_norm(v)`` on ``con``."""
    ipad, opad = _padded(key)
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO {MACRO_HMAC}(v) AS "
        f"CASE WHEN v IS NULL THEN NULL ELSE sha256(from_hex('{opad.hex()}') || "
        f"unhex(sha256(from_hex('{ipad.hex()}') || encode(CAST(v AS VARCHAR))))) END"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO {MACRO_EMAIL}(v) AS "
        r"NULLIF(lower(regexp_replace(CAST(v AS VARCHAR), '^[ \t\r\n\f\v]+|[ \t\r\n\f\v]+$', "
        r"'', 'g')), '')"
    )


def drop_macros(con: duckdb.DuckDBPyConnection) -> None:
    for m in (MACRO_HMAC, MACRO_EMAIL):
        con.execute(f"DROP MACRO IF EXISTS temp.{m}")
