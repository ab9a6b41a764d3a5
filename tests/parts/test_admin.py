"""The catalogue in Django admin: every list page opens and searches for a platform admin."""

import pytest

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["brand", "vehiclemodel", "variant", "part", "fitment", "serviceitem", "package"]
)
def test_admin_lists_and_searches_the_catalogue(client, real_catalogue, model):
    client.force_login(UserFactory(role=User.Role.PLATFORM_ADMIN, is_staff=True, is_superuser=True))

    listing = client.get(f"/admin/parts/{model}/")
    searched = client.get(f"/admin/parts/{model}/", {"q": "corolla"})

    assert listing.status_code == 200
    assert searched.status_code == 200
