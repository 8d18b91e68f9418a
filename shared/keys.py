"""Keys per purpose, derived from one master secret (HKDF-SHA256, RFC 5869).

A key derived for one purpose says nothing about the master or about another purpose's key, so a
service handed one derived key can neither verify nor mint what another purpose signs.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SALT = b"pidesk-keys-v1"


def derive_key(master: str, purpose: str, *, length: int = 32) -> bytes:
    """The key for `purpose` (e.g. `token:escalation`, `csrf:desk-login`) derived from `master`."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=SALT, info=purpose.encode())
    return hkdf.derive(master.encode())
