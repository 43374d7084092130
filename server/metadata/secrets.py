"""Encryption of stored secrets (database passwords) with Fernet.

The key comes from settings (`DBGPT_SECRET_KEY`) or from a key file in the
data dir, generated on first use and readable only by its owner.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from server.private_files import read_or_create_secret


class SecretError(Exception):
    pass


def load_or_create_key(key_file: Path) -> bytes:
    return read_or_create_secret(key_file, Fernet.generate_key)


class SecretBox:
    def __init__(self, key: bytes):
        try:
            self._fernet = Fernet(key)
        except ValueError as exc:
            raise SecretError("the secret key is not a valid Fernet key (32 url-safe base64 bytes)") from exc

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretError("a stored password cannot be decrypted with the current key") from exc
