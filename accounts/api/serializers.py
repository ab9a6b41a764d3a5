"""Serializers of the account API: one input and one output per operation."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import phone_validator


class RegisterInputSerializer(serializers.Serializer):
    username = serializers.RegexField(
        r"^[\w.@+-]{3,150}$",
        error_messages={"invalid": _("3 to 150 letters, digits and @/./+/-/_ only.")},
    )
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    phone = serializers.CharField(max_length=11, validators=[phone_validator])


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    phone = serializers.CharField()
    role = serializers.CharField()


class RegisterOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    user = UserOutputSerializer()


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
