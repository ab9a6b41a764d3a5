"""``Idempotency-Key`` for API writes: same key and body → the same answer, the world changes once."""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response

from common.errors import Conflict
from common.models import IdempotencyRecord

HEADER = "Idempotency-Key"


class IdempotencyKeyReused(Conflict):
    default_message = _("This Idempotency-Key was already used with a different request.")
    code = "idempotency_key_reused"


def _hash(scope: str, data) -> str:
    body = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{scope}\n{body}".encode()).hexdigest()


def idempotent(request, *, scope: str, run: Callable[[], Response]) -> Response:
    """Run ``run`` once per (user, scope, key); replay the stored answer for a repeated key.

    Without the header the call simply runs. The record is written in the same transaction as
    the work, so a crash leaves neither; two concurrent calls with one key serialise on the
    unique constraint and the loser replays the winner's answer.
    """
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        return run()
    if len(key) > 120:
        raise Conflict(
            _("The Idempotency-Key is too long (120 characters at most)."), code="idempotency_key_invalid"
        )
    request_hash = _hash(scope, request.data)
    existing = IdempotencyRecord.objects.filter(user=request.user, scope=scope, key=key).first()
    if existing is not None:
        return _replay(existing, request_hash)
    try:
        with transaction.atomic():
            response = run()
            if response.status_code < 500:
                IdempotencyRecord.objects.create(
                    user=request.user,
                    scope=scope,
                    key=key,
                    request_hash=request_hash,
                    status_code=response.status_code,
                    response_body=response.data,
                )
            return response
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(user=request.user, scope=scope, key=key).first()
        if existing is None:
            raise
        return _replay(existing, request_hash)


def _replay(record: IdempotencyRecord, request_hash: str) -> Response:
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused()
    response = Response(record.response_body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response
