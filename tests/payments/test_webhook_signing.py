"""Webhook signatures: HMAC over timestamp and raw body, a five-minute window, constant-time compare."""

import pytest

from payments.webhook_signing import WebhookRejected, signature_header, signature_verify

SECRET = "whsec_test_secret"
BODY = b'{"event_id":"evt_1","payment_id":"pay_1","status":"succeeded","amount":"368.00","currency":"CNY"}'
NOW = 1_795_000_000


def test_a_correct_signature_is_accepted():
    header = signature_header(BODY, secret=SECRET, timestamp=NOW)

    assert signature_verify(BODY, header, secret=SECRET, now=NOW + 10) == NOW


def test_a_changed_body_is_refused():
    header = signature_header(BODY, secret=SECRET, timestamp=NOW)

    with pytest.raises(WebhookRejected) as excinfo:
        signature_verify(BODY.replace(b"368.00", b"3.68"), header, secret=SECRET, now=NOW)

    assert excinfo.value.code == "bad_signature"


def test_a_signature_made_with_another_secret_is_refused():
    header = signature_header(BODY, secret="someone-else", timestamp=NOW)

    with pytest.raises(WebhookRejected):
        signature_verify(BODY, header, secret=SECRET, now=NOW)


@pytest.mark.parametrize("skew", [301, -301, 86_400])
def test_a_timestamp_outside_five_minutes_is_refused(skew):
    header = signature_header(BODY, secret=SECRET, timestamp=NOW)

    with pytest.raises(WebhookRejected) as excinfo:
        signature_verify(BODY, header, secret=SECRET, now=NOW + skew)

    assert excinfo.value.code == "stale"


@pytest.mark.parametrize(
    ("header", "code"),
    [(None, "unsigned"), ("", "unsigned"), ("v1=abc", "malformed"), ("t=x,v1=abc", "malformed")],
)
def test_missing_or_malformed_headers_are_refused(header, code):
    with pytest.raises(WebhookRejected) as excinfo:
        signature_verify(BODY, header, secret=SECRET, now=NOW)

    assert excinfo.value.code == code
