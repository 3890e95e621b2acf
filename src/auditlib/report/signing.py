"""Ed25519 signatures over a run's ``manifest.json`` (through ``cryptography``).

``AUDITLIB_SIGNING_KEY`` names a PEM (PKCS#8, unencrypted) Ed25519 private key file kept
outside the archive; ``auditlib keygen PATH`` makes one (mode 0600, never overwrites).
The signature is detached, in ``manifest.sig`` beside ``manifest.json``: base64 of the
Ed25519 signature over the exact bytes of ``manifest.json``. The manifest itself carries
the public key (PEM, SubjectPublicKeyInfo) and its fingerprint, so a run can be checked
anywhere; *whose* key it is can only be trusted when the auditor pins the fingerprint
(``auditlib verify --trusted-key SHA256``) or the public key file
(``--public-key FILE``): anyone can re-sign an edited run with a key of their own.

Fingerprint: ``sha256`` of the 32 raw public key bytes, lower-case hex (64 characters),
the same value ``openssl pkey -pubin -outform DER | tail -c 32 | sha256sum`` gives.

Decisions:
- A key file that is set but unusable (missing, unreadable, not Ed25519, encrypted) is
  an error before the run starts: a run never silently falls back to unsigned.
- A key file inside the archive it signs is refused: whoever can edit the archive could
  then re-sign it, and the signature would prove nothing.
- A key file readable by group or others is refused (as ssh does for private keys).
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ENV_KEY = "AUDITLIB_SIGNING_KEY"
ALGORITHM = "Ed25519"
SIGNATURE_NAME = "manifest.sig"


class SigningError(Exception):
    """The signing key is unusable, or a public key / signature cannot be read."""


@dataclass(frozen=True)
class Signer:
    key: Ed25519PrivateKey
    path: Path

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.key.public_key()

    @property
    def public_pem(self) -> str:
        return public_pem(self.public_key)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def sign(self, data: bytes) -> str:
        """Base64 of the Ed25519 signature over ``data``."""
        return base64.b64encode(self.key.sign(data)).decode("ascii")

    def describe(self) -> dict[str, str]:
        """What the manifest records about the key (public half only)."""
        return {
            "algorithm": ALGORITHM,
            "public_key": self.public_pem,
            "fingerprint": self.fingerprint,
        }


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (SubjectPublicKeyInfo) or from a PKCS#8 private key."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            private = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise SigningError(f"not a PEM public key: {exc}") from exc
        if not isinstance(private, Ed25519PrivateKey):
            raise SigningError("the key is not an Ed25519 key") from None
        return private.public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"the key is a {type(key).__name__}, not an Ed25519 key")
    return key


def verify_signature(public_key: Ed25519PublicKey, data: bytes, signature_b64: str) -> bool:
    try:
        sig = base64.b64decode(signature_b64.strip(), validate=True)
        public_key.verify(sig, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def load_signer(path: Path | str, archive_dir: Path | None = None) -> Signer:
    """The private key in ``path`` (PEM, PKCS#8, unencrypted Ed25519), checked for use."""
    path = Path(path).expanduser()
    try:
        st = path.stat()
    except OSError as exc:
        raise SigningError(f"{ENV_KEY}={path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise SigningError(f"{ENV_KEY}={path} is not a regular file")
    if st.st_mode & 0o077:
        raise SigningError(
            f"{ENV_KEY}={path} is readable by others (mode "
            f"{stat.S_IMODE(st.st_mode):04o}); make it 0600"
        )
    if archive_dir is not None:
        real, arch = path.resolve(), Path(archive_dir).resolve()
        if real == arch or arch in real.parents:
            raise SigningError(
                f"{ENV_KEY}={path} lies inside the archive {arch}: keep the "
                "signing key outside it, or whoever can edit runs can re-sign them"
            )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningError(
            f"{ENV_KEY}={path} is not an unencrypted PEM (PKCS#8) private key: {exc}"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{ENV_KEY}={path} holds a {type(key).__name__}, not an Ed25519 key")
    return Signer(key, path)


def signer_from_env(archive_dir: Path | None = None) -> Signer | None:
    """The signer named by ``AUDITLIB_SIGNING_KEY``; ``None`` when it is not set."""
    value = os.environ.get(ENV_KEY, "").strip()
    if not value:
        return None
    return load_signer(value, archive_dir)


def evidence_status(signer: Signer | None) -> dict[str, object]:
    """summary.json's ``evidence``: whether the run's manifest is signed, and by which key
    (the report shows it; the manifest itself is written after the report)."""
    if signer is None:
        return {
            "signed": False,
            "chained": True,
            "algorithm": None,
            "key_fingerprint": None,
            "note": f"unsigned: {ENV_KEY} was not set, so the manifest is hashed and "
            "chained to the previous run but not signed",
        }
    return {
        "signed": True,
        "chained": True,
        "algorithm": ALGORITHM,
        "key_fingerprint": signer.fingerprint,
        "note": None,
    }


def generate_key(path: Path | str) -> Signer:
    """Write a new Ed25519 private key to ``path`` (PEM, PKCS#8, mode 0600); never overwrite."""
    path = Path(path).expanduser()
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # O_EXCL: refuses an existing file (or a symlink planted there) atomically
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, pem)
    finally:
        os.close(fd)
    return Signer(key, path)
