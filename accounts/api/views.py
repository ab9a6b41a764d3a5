"""Account API: owner sign-up and token login."""

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.api.serializers import (
    RegisterInputSerializer,
    RegisterOutputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
)
from accounts.services import owner_register
from common.api import ErrorSerializer


class RegisterApi(APIView):
    """A car owner signs up and gets a token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(
        request=RegisterInputSerializer,
        responses={201: RegisterOutputSerializer, 400: ErrorSerializer, 409: ErrorSerializer},
    )
    def post(self, request):
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = owner_register(**data.validated_data, language=request.LANGUAGE_CODE)
        except DjangoValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"password": exc.messages}
            raise exceptions.ValidationError(errors) from exc
        token, _created = Token.objects.get_or_create(user=user)
        body = {
            "token": token.key,
            "user": {"id": user.pk, "username": user.username, "phone": user.phone, "role": user.role},
        }
        return Response(RegisterOutputSerializer(body).data, status=status.HTTP_201_CREATED)


class TokenApi(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=TokenInputSerializer, responses={200: TokenOutputSerializer, 400: ErrorSerializer})
    def post(self, request):
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if user is None or not user.is_active:
            raise exceptions.ValidationError({"non_field_errors": [_("Wrong username or password.")]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenOutputSerializer({"token": token.key}).data)
