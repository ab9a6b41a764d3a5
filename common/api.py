"""API plumbing: the exception handler that gives every error a translated ``detail``."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import DomainError
from common.money import money_dict


def exception_handler(exc, context):
    """Map domain errors to their status; give validation errors a ``detail`` beside the fields.

    Bodies always carry a human-readable ``detail`` in the request's language, and a 400 for bad
    input keeps the field errors under ``errors``.
    """
    if isinstance(exc, DomainError):
        body = {"detail": str(exc.message), "code": exc.code, **exc.extra}
        return Response(body, status=exc.status_code)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data
        if isinstance(errors, list):
            errors = {"non_field_errors": errors}
        response.data = {"detail": _("Please correct the errors below."), "errors": errors}
    elif isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": _("The request could not be processed."), **response.data}
    return response


class MoneySerializer(serializers.Serializer):
    """The API's money shape; read-only."""

    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()


@extend_schema_field(MoneySerializer)
class MoneyField(serializers.Field):
    """Read-only money: ``{"amount": "368.00", "currency": "CNY"}``."""

    def __init__(self, amount_attr: str, **kwargs):
        self.amount_attr = amount_attr
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        return money_dict(getattr(obj, self.amount_attr), getattr(obj, "currency", None))


class ErrorSerializer(serializers.Serializer):
    """What every error body carries (documented in the schema)."""

    detail = serializers.CharField()


HTTP_409 = status.HTTP_409_CONFLICT


class _HasRole(BasePermission):
    """Allows an authenticated user whose ``User.role`` is ``role`` (403 with ``message`` otherwise)."""

    role = ""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.role == self.role)


class IsOwner(_HasRole):
    role = "owner"
    message = gettext_lazy("Only car owners can do this.")


class IsShopStaff(_HasRole):
    role = "shop_staff"
    message = gettext_lazy("Only shop staff can do this.")


class IsPlatformAdmin(_HasRole):
    role = "platform_admin"
    message = gettext_lazy("Only platform admins can do this.")
