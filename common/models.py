"""Shared data: idempotency records for API writes that move money."""

from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The first answer given to one client's ``Idempotency-Key`` on one operation.

    Replaying the same key with the same body returns this answer and changes nothing; the
    same key with another body is refused (409).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=120)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="common_idempotency_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
