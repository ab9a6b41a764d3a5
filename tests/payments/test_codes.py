"""Voucher secrets: short codes catch typos, lookups are keyed and shop-bound, codes are encrypted."""

import re

import pytest
from django.utils import translation

from payments import codes


def test_a_new_short_code_checks_out_and_displays_in_groups():
    code = codes.short_code_new()

    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{12}", code)
    assert codes.short_code_normalise(code) == code
    assert re.fullmatch(r"\w{4}-\w{4}-\w{4}", codes.short_code_display(code))


def test_typing_is_forgiving_about_case_separators_and_look_alikes():
    payload = "0123456789A"
    code = payload + codes._check_symbol(payload)

    typed = f" o123-4567 89a{code[-1].lower()} "

    assert codes.short_code_normalise(typed) == code


@pytest.mark.parametrize("position", range(12))
def test_every_single_symbol_typo_is_caught(position):
    code = codes.short_code_new()
    for wrong in codes.ALPHABET:
        if wrong == code[position]:
            continue
        typo = code[:position] + wrong + code[position + 1 :]
        with pytest.raises(codes.InvalidCode):
            codes.short_code_normalise(typo)


def test_swapping_two_different_neighbours_is_caught():
    payload = "7KQ2M9XD4HT"
    code = payload + codes._check_symbol(payload)
    swapped = code[1] + code[0] + code[2:]

    with pytest.raises(codes.InvalidCode):
        codes.short_code_normalise(swapped)


@pytest.mark.parametrize("typed", ["", "ABC", "7KQ2-M9XD-4HT8-9", "7KQ2M9XD4HU8", "7KQ2M9XD4H!8"])
def test_malformed_codes_are_refused_with_a_clear_message(typed):
    with pytest.raises(codes.InvalidCode) as excinfo:
        codes.short_code_normalise(typed)

    with translation.override("en"):  # the default language is zh-hans
        assert (
            str(excinfo.value.message)
            == "This is not a valid voucher code. Check the 12 characters and try again."
        )


def test_qr_tokens_carry_at_least_128_random_bits():
    tokens = {codes.qr_token_new() for _ in range(1000)}

    assert len(tokens) == 1000
    assert all(len(t) == 32 for t in tokens)  # 24 bytes → 32 URL-safe base64 characters = 192 bits


def test_lookup_digests_are_keyed_and_bound_to_the_shop(settings):
    code = codes.short_code_new()

    at_shop_1 = codes.short_code_digest(code, shop_id=1)

    assert at_shop_1 == codes.short_code_digest(code, shop_id=1)
    assert at_shop_1 != codes.short_code_digest(code, shop_id=2)
    assert code not in at_shop_1
    settings.VOUCHER_SECRET = "another-secret"
    assert codes.short_code_digest(code, shop_id=1) != at_shop_1


def test_codes_are_encrypted_at_rest_and_decrypt_only_with_the_key(settings):
    code = codes.short_code_new()

    stored = codes.secret_encrypt(code)

    assert code not in stored
    assert codes.secret_decrypt(stored) == code
    settings.VOUCHER_SECRET = "another-secret"
    with pytest.raises(ValueError, match="VOUCHER_SECRET"):
        codes.secret_decrypt(stored)
