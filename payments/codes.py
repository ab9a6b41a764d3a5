"""Voucher secrets: the QR token, the typed short code and its check character, keyed lookup
hashes and encryption at rest.

A voucher is a bearer secret. Two secrets stand for it:

* the **QR token**: 192 random bits, URL-safe, what the QR image carries;
* the **short code**: 11 random Crockford base-32 symbols (55 bits) plus one check symbol
  (Luhn mod 32, which catches every single-symbol typo and almost every swap of neighbours),
  printed in groups of four (``7KQ2-M9XD-4HT8``) to read aloud. It is valid only at the
  voucher's shop, so its lookup hash binds the shop id, and redemption is throttled.

Neither is stored in clear: the database keeps an HMAC-SHA256 of each (with a key derived from
``settings.VOUCHER_SECRET``) under a unique index for lookups, and the short code encrypted with
Fernet (AES-128-CBC + HMAC) so the owner can see it again.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
_INDEX = {symbol: i for i, symbol in enumerate(ALPHABET)}
# Crockford decoding: what a person may type for a symbol they read.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
RANDOM_SYMBOLS = 11
CODE_LENGTH = RANDOM_SYMBOLS + 1
QR_TOKEN_BYTES = 24  # 192 bits


class InvalidCode(DomainError):
    default_message = _("This is not a valid voucher code. Check the 12 characters and try again.")
    code = "invalid_code"


def _check_symbol(payload: str) -> str:
    """Luhn mod N over the base-32 alphabet: the symbol that makes the whole code check out."""
    factor, total = 2, 0
    for symbol in reversed(payload):
        addend = factor * _INDEX[symbol]
        addend = addend // 32 + addend % 32
        total += addend
        factor = 1 if factor == 2 else 2
    return ALPHABET[(32 - total % 32) % 32]


def short_code_new() -> str:
    """A fresh short code, normalised (12 symbols, no separators)."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return payload + _check_symbol(payload)


def short_code_normalise(typed: str) -> str:
    """What a person typed → the canonical code; raises ``InvalidCode`` for a typo."""
    code = "".join(typed.split()).replace("-", "").upper().translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(symbol not in _INDEX for symbol in code):
        raise InvalidCode()
    if _check_symbol(code[:-1]) != code[-1]:
        raise InvalidCode()
    return code


def short_code_display(code: str) -> str:
    """``7KQ2M9XD4HT8`` → ``7KQ2-M9XD-4HT8``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def qr_token_new() -> str:
    return secrets.token_urlsafe(QR_TOKEN_BYTES)


@lru_cache(maxsize=4)
def _derived_key(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), f"carplatform.vouchers.{purpose}".encode(), hashlib.sha256).digest()


def _lookup_key() -> bytes:
    return _derived_key(settings.VOUCHER_SECRET, "lookup")


def short_code_digest(code: str, *, shop_id: int) -> str:
    """The keyed hash a short code is looked up by; bound to the shop it is valid at."""
    return hmac.new(_lookup_key(), f"code:{shop_id}:{code}".encode(), hashlib.sha256).hexdigest()


def qr_token_digest(token: str) -> str:
    """The keyed hash a QR token is looked up by."""
    return hmac.new(_lookup_key(), f"qr:{token}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CodeDigests:
    """What a voucher is found by: the column (``code_digest`` or ``qr_digest``) and the keyed
    hashes to look for in it."""

    column: str
    digests: list[str]


def code_digests(typed: str, *, shop_ids) -> CodeDigests:
    """A typed short code (bound to one of ``shop_ids``: one digest per shop) or a scanned QR
    token, as the digests to look up. ``InvalidCode`` for nothing typed or a mistyped short code."""
    typed = (typed or "").strip()
    if not typed:
        raise InvalidCode(_("Type or scan the voucher code."))
    try:
        normal = short_code_normalise(typed)
    except InvalidCode:
        if len(typed) < 20:  # too short for a QR token: a mistyped short code
            raise
        return CodeDigests("qr_digest", [qr_token_digest(typed)])
    return CodeDigests("code_digest", [short_code_digest(normal, shop_id=pk) for pk in shop_ids])


def _fernet() -> Fernet:
    key = base64.urlsafe_b64encode(_derived_key(settings.VOUCHER_SECRET, "encryption"))
    return Fernet(key)


def secret_encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong key or tampered ciphertext: never show garbage
        raise ValueError("voucher secret cannot be decrypted with the configured VOUCHER_SECRET") from exc
