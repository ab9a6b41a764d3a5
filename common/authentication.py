"""API authentication: DRF's token scheme (``Authorization: Token <key>``) with a lean lookup.

DRF's own ``TokenAuthentication`` builds a ``select_related`` queryset on every request; this one
reads the same row pair with one short, fixed statement (the token's key is its primary key) and
answers exactly as DRF does: an unknown key or an inactive user is 401 with DRF's messages.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from common.sql import fetch_instances


class TokenAuthentication(authentication.TokenAuthentication):
    model = Token

    def authenticate_credentials(self, key):
        user_model = get_user_model()
        users = fetch_instances(
            user_model,
            f"SELECT u.* FROM {user_model._meta.db_table} u "  # noqa: S608 - our table names, key bound
            f"JOIN {Token._meta.db_table} t ON t.user_id = u.id WHERE t.key = %s",
            [key],
        )
        if not users:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = users[0]
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, Token(key=key, user=user)
