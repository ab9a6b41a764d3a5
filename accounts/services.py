"""Writes for accounts: signing an owner up."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from common.errors import Conflict


@transaction.atomic
def owner_register(*, username: str, password: str, phone: str, language: str = "") -> User:
    """Create a car owner's account. Raises ``ValidationError`` for a weak password and
    ``Conflict`` when the username or phone is taken (the database decides, not a pre-check)."""
    user = User(username=username, phone=phone, role=User.Role.OWNER, preferred_language=language)
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    password_validation.validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise Conflict(_("This username or mobile number is already registered."), code="taken") from exc
    return user


__all__ = ["owner_register", "ValidationError"]
