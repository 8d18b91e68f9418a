"""The notifier's recipients at rest (issue 12, item 13): a keyed blind index to find them, ciphertexts to
send them, a key of its own outside development."""

from __future__ import annotations

import base64
import os
import uuid
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from pydantic import SecretStr

from pidesk.services.notifier.adapters.people import RecipientCipher
from pidesk.services.notifier.config import NotifierSettings

NOTICE = uuid.uuid4()


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_the_index_finds_the_same_person_whatever_the_case_and_says_nothing_of_the_address() -> None:
    people = RecipientCipher(f"k1:{key()}")
    index = people.blind_index("email", "naoko.yamamoto@example.com")
    assert people.blind_index("email", "  Naoko.Yamamoto@EXAMPLE.com ") == index
    assert len(index) == 64 and int(index, 16) >= 0 and "naoko" not in index
    assert people.blind_index("email", "naoko.yamamoto@example.org") != index
    assert RecipientCipher(f"k1:{key()}").blind_index("email", "naoko.yamamoto@example.com") != index  # keyed


def test_a_chat_webhook_keeps_its_case_and_the_channel_is_part_of_the_index() -> None:
    people = RecipientCipher(f"k1:{key()}")
    url = "https://hooks.example.com/T0ABC/XyZsEcReT"
    assert people.blind_index("chat", url) != people.blind_index("chat", url.lower())
    assert people.blind_index("chat", url) == people.blind_index("chat", f" {url} ")
    assert people.blind_index("chat", "a@example.com") != people.blind_index("email", "a@example.com")


def test_sealed_values_open_only_on_their_own_row_and_column() -> None:
    people = RecipientCipher(f"k1:{key()}")
    index = people.blind_index("email", "a@example.com")
    sealed = people.seal_address("a@example.com", notice_id=NOTICE, index=index)
    name = people.seal_name("山本 直子", notice_id=NOTICE, index=index)
    assert sealed.startswith("v1.k1.") and "example" not in sealed and "山本" not in name
    assert people.address(sealed, notice_id=NOTICE, index=index) == "a@example.com"
    assert people.name(name, notice_id=NOTICE, index=index) == "山本 直子"
    other = people.blind_index("email", "b@example.com")
    with pytest.raises(InvalidTag):
        people.address(sealed, notice_id=NOTICE, index=other)  # moved to another recipient's row
    with pytest.raises(InvalidTag):
        people.address(sealed, notice_id=uuid.uuid4(), index=index)  # or another notice's
    with pytest.raises(InvalidTag):
        people.name(sealed, notice_id=NOTICE, index=index)  # or another column
    assert people.seal_name("  ", notice_id=NOTICE, index=index) == ""
    assert people.name("", notice_id=NOTICE, index=index) == ""


def test_a_rotation_keeps_every_index_and_opens_what_the_old_key_sealed() -> None:
    old, new = key(), key()
    before = RecipientCipher(f"old:{old}")
    index = before.blind_index("email", "a@example.com")
    sealed = before.seal_address("a@example.com", notice_id=NOTICE, index=index)
    rotated = RecipientCipher(f"new:{new},old:{old}")
    assert rotated.blind_index("email", "A@example.com") == index  # the unique key and pacing still match
    assert rotated.address(sealed, notice_id=NOTICE, index=index) == "a@example.com"
    assert rotated.seal_address("a@example.com", notice_id=NOTICE, index=index).startswith("v1.new.")


def test_production_needs_a_key_and_development_makes_one_it_keeps(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="NOTIFIER_ENCRYPTION_KEYS"):
        NotifierSettings(env="production", var_dir=tmp_path, token_secret=SecretStr(key()))
    first = NotifierSettings(env="development", var_dir=tmp_path).recipient_cipher()
    again = NotifierSettings(env="development", var_dir=tmp_path).recipient_cipher()
    assert first.blind_index("email", "a@example.com") == again.blind_index("email", "a@example.com")
    keyring = SecretStr(f"p1:{key()}")
    given = NotifierSettings(
        env="production", var_dir=tmp_path, token_secret=SecretStr(key()), NOTIFIER_ENCRYPTION_KEYS=keyring
    )
    assert given.recipient_cipher().blind_index("email", "a@example.com") != first.blind_index("email", "a@example.com")
