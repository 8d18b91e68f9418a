"""Recipients' addresses and names at rest (issue 12, item 13): sealed, and found by a keyed blind index.

A delivery row keeps, for its recipient:

- `address`: the blind index, HMAC-SHA256 of the channel and the normalised address (mail: trimmed and
  lower-cased; a chat webhook URL: trimmed, its case kept) under a key of its own derived from the
  notifier's keyring. Equal addresses give equal indexes, so the unique (notice, channel, address) key
  and the pacing queries work on it unchanged; without the key it says nothing about the address. It is
  keyed by the keyring's oldest key, so a rotation (a new key in front) leaves every index as it was;
- `address_sealed` and `name`: AES-256-GCM ciphertexts (`shared/cipher.py`, NOTIFIER_ENCRYPTION_KEYS),
  bound to the notice, the column and the index, opened only to send and to show the notices API.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

from pidesk.shared.cipher import FieldCipher
from pidesk.shared.vocabulary import DeliveryChannel

INDEX_PURPOSE = b"pidesk:notifier:recipient-index:v1"
ADDRESS, NAME = "deliveries.address", "deliveries.name"


def normalised(channel: str, address: str) -> str:
    """What makes two addresses the same recipient: mail compared lower-cased; a chat webhook URL kept
    exactly (its path is case-sensitive)."""
    return address.strip().lower() if channel == DeliveryChannel.EMAIL else address.strip()


class RecipientCipher:
    def __init__(self, keyring: str) -> None:
        self._cipher = FieldCipher(keyring)
        self._index_key = self._cipher.lasting_key(INDEX_PURPOSE)

    def blind_index(self, channel: str, address: str) -> str:
        """The recipient's index: the same for the same (channel, normalised address), and nothing else."""
        message = f"{channel}:{normalised(channel, address)}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()

    def seal_address(self, address: str, *, notice_id: uuid.UUID, index: str) -> str:
        return self._cipher.encrypt(address, record_id=notice_id, field=f"{ADDRESS}:{index}")

    def seal_name(self, name: str, *, notice_id: uuid.UUID, index: str) -> str:
        """A name sealed; no name stays "" (a letter's salutation depends on whether there is one)."""
        return self._cipher.encrypt(name, record_id=notice_id, field=f"{NAME}:{index}") if name.strip() else ""

    def address(self, sealed: str, *, notice_id: uuid.UUID, index: str) -> str:
        return self._cipher.decrypt(sealed, record_id=notice_id, field=f"{ADDRESS}:{index}")

    def name(self, sealed: str, *, notice_id: uuid.UUID, index: str) -> str:
        return self._cipher.decrypt(sealed, record_id=notice_id, field=f"{NAME}:{index}") if sealed else ""
