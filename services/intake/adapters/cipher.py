"""Encryption at rest of a report's free text: the shared field cipher (`shared/cipher.py`)."""

from pidesk.shared.cipher import FieldCipher, KeyringError

__all__ = ["FieldCipher", "KeyringError"]
