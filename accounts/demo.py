"""Demo accounts for `make run`. Only the demo loader creates them; production never does."""

from django.conf import settings

from accounts.models import User

DEMO_ACCOUNTS = [
    # username, role, phone, first name
    ("owner", User.Role.OWNER, "13800138000", "王小明"),
    ("manager", User.Role.SHOP_STAFF, "13900139000", "李师傅"),
    ("admin", User.Role.PLATFORM_ADMIN, "13700137000", "平台管理员"),
]


def load() -> list[str]:
    """Create (or reset the password of) the demo accounts; safe to run again."""
    lines = []
    for username, role, phone, first_name in DEMO_ACCOUNTS:
        user, _created = User.objects.get_or_create(
            username=username, defaults={"role": role, "phone": phone, "first_name": first_name}
        )
        user.role = role
        user.is_staff = user.is_superuser = role == User.Role.PLATFORM_ADMIN
        user.set_password(settings.DEMO_PASSWORD)
        user.save()
        lines.append(f"{username:<10} {settings.DEMO_PASSWORD}   ({user.get_role_display()})")
    return lines
