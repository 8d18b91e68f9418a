"""Encryption at rest of personal fields (intake's report text, the notifier's recipients): AES-256-GCM
with the key id kept beside the ciphertext.

Stored form: `v1.<key id>.<base64 nonce>.<base64 ciphertext+tag>`. The record id and field name are
bound in as associated data, so a ciphertext cannot be moved to another row or column.
"""

from __future__ import annotations

import base64
import os
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class KeyringError(ValueError):
    pass


class FieldCipher:
    def __init__(self, keyring: str) -> None:
        self._keys: dict[str, AESGCM] = {}
        self._raw: dict[str, bytes] = {}
        self._active = ""
        for entry in (e.strip() for e in keyring.split(",") if e.strip()):
            kid, sep, encoded = entry.partition(":")
            if not sep or not kid.isalnum():
                raise KeyringError("each key must be 'kid:base64key' with an alphanumeric kid")
            try:
                key = base64.b64decode(encoded, validate=True)
            except ValueError:
                raise KeyringError(f"key {kid} is not valid base64") from None
            if len(key) != 32:
                raise KeyringError(f"key {kid} must be 32 bytes (AES-256)")
            self._keys[kid] = AESGCM(key)
            self._raw[kid] = key
            self._active = self._active or kid
        if not self._keys:
            raise KeyringError("the keyring is empty")

    def encrypt(self, plaintext: str, *, record_id: uuid.UUID, field: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self._active].encrypt(nonce, plaintext.encode(), _aad(record_id, field))
        return ".".join(("v1", self._active, _b64(nonce), _b64(sealed)))

    def decrypt(self, stored: str, *, record_id: uuid.UUID, field: str) -> str:
        version, kid, nonce, sealed = stored.split(".")
        if version != "v1" or kid not in self._keys:
            raise KeyringError(f"no key {kid!r} for this ciphertext")
        plain = self._keys[kid].decrypt(
            base64.urlsafe_b64decode(nonce), base64.urlsafe_b64decode(sealed), _aad(record_id, field)
        )
        return plain.decode()

    def derived_keys(self, purpose: bytes) -> list[bytes]:
        """A 32-byte key per keyring key for another purpose (HKDF-SHA256, `purpose` as info): the
        active key's first, so what is written uses it and what was written with an older key still
        compares."""
        order = [self._active, *(kid for kid in self._raw if kid != self._active)]
        return [
            HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(self._raw[kid]) for kid in order
        ]

    def lasting_key(self, purpose: bytes) -> bytes:
        """A 32-byte key for `purpose` derived from the keyring's last key (the oldest: a rotation adds the new
        key in front), so what it keys — a blind index looked up by equality — survives rotations."""
        oldest = list(self._raw)[-1]
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(self._raw[oldest])


def _aad(record_id: uuid.UUID, field: str) -> bytes:
    return f"{record_id}:{field}".encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()
