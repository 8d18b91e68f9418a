import base64
import os
import uuid

import pytest
from cryptography.exceptions import InvalidTag

from pidesk.services.intake.adapters.cipher import FieldCipher, KeyringError


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_round_trip_and_key_id_kept_with_ciphertext() -> None:
    cipher = FieldCipher(f"k1:{key()}")
    record = uuid.uuid4()
    stored = cipher.encrypt("氏名とカード番号の漏えい", record_id=record, field="description")
    assert stored.startswith("v1.k1.")
    assert "カード" not in stored
    assert cipher.decrypt(stored, record_id=record, field="description") == "氏名とカード番号の漏えい"


def test_rotation_old_ciphertexts_stay_readable() -> None:
    old, new = key(), key()
    record = uuid.uuid4()
    stored = FieldCipher(f"old:{old}").encrypt("text", record_id=record, field="title")
    rotated = FieldCipher(f"new:{new},old:{old}")
    assert rotated.decrypt(stored, record_id=record, field="title") == "text"
    assert rotated.encrypt("text", record_id=record, field="title").startswith("v1.new.")


def test_ciphertext_is_bound_to_its_row_and_field() -> None:
    cipher = FieldCipher(f"k1:{key()}")
    record = uuid.uuid4()
    stored = cipher.encrypt("text", record_id=record, field="title")
    with pytest.raises(InvalidTag):
        cipher.decrypt(stored, record_id=uuid.uuid4(), field="title")
    with pytest.raises(InvalidTag):
        cipher.decrypt(stored, record_id=record, field="description")


@pytest.mark.parametrize("keyring", ["", "nokey", "k1:not-base64!", f"k1:{base64.b64encode(b'short').decode()}"])
def test_bad_keyrings_are_refused(keyring: str) -> None:
    with pytest.raises(KeyringError):
        FieldCipher(keyring)
