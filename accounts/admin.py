"""Django admin for accounts."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class PlatformUserAdmin(UserAdmin):
    list_display = ("username", "phone", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "phone", "email")
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Platform"), {"fields": ("role", "phone", "preferred_language")}),
    )
