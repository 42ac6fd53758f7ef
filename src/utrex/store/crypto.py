"""Archived files at rest: zlib-compressed, then sealed with AES-256-GCM under the store's key.

A sealed blob is MAGIC + 12-byte nonce + ciphertext (with its tag). The associated data names what the
blob is (e.g. `submission:42`), so a blob copied onto another row fails to open instead of passing.
"""

from __future__ import annotations

import os
import zlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"UTRX1"
NONCE_BYTES = 12
LEVEL = 3  # fixed-width text compresses ~10x at any level; 3 keeps a 100 MB file near one second


class SealError(Exception):
    """A sealed blob cannot be opened: wrong key, tampered, or not a utrex blob."""


def seal(data: bytes, key: bytes, label: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, zlib.compress(data, LEVEL), label.encode())


def unseal(blob: bytes, key: bytes, label: str) -> bytes:
    if not blob.startswith(MAGIC):
        raise SealError(f"{label}: not an archived utrex file")
    nonce = blob[len(MAGIC):len(MAGIC) + NONCE_BYTES]
    try:
        packed = AESGCM(key).decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES:], label.encode())
    except InvalidTag:
        raise SealError(f"{label}: cannot decrypt the archived file (another key, or the data was altered)") from None
    return zlib.decompress(packed)
