"""The garage API: add, read, edit and remove cars; someone else's car is 404."""

import pytest
from rest_framework.test import APIClient

from bookings.models import Vehicle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_add_list_edit_and_remove_a_car(job):
    client = _client(job.owner)

    created = client.post(
        "/api/v1/vehicles/",
        {"variant": job.vehicle.variant_id, "plate": "浙ad 12345", "odometer_km": 8000},
        format="json",
    )
    assert created.status_code == 201
    car_id = created.json()["id"]
    assert created.json()["plate"] == "浙AD12345"

    assert client.get("/api/v1/vehicles/").json()["count"] == 2
    patched = client.patch(f"/api/v1/vehicles/{car_id}/", {"nickname": "电车"}, format="json")
    assert patched.json()["nickname"] == "电车"
    assert client.get(f"/api/v1/vehicles/{car_id}/history/").json()["count"] == 0

    assert client.delete(f"/api/v1/vehicles/{car_id}/").status_code == 204
    assert client.get("/api/v1/vehicles/").json()["count"] == 1
    assert Vehicle.objects.get(pk=car_id).is_active is False


def test_a_bad_plate_and_a_bad_vin_are_400_with_reasons(job):
    client = _client(job.owner)

    response = client.post(
        "/api/v1/vehicles/",
        {"variant": job.vehicle.variant_id, "plate": "XYZ", "vin": "LSVAM4187C2184847"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["plate"] == [
        "Enter a mainland China plate, e.g. 浙A12345 or 浙AD12345 (new energy)."
    ]
    assert Vehicle.objects.count() == 1


def test_the_same_plate_twice_is_409(job):
    response = _client(job.owner).post(
        "/api/v1/vehicles/", {"variant": job.vehicle.variant_id, "plate": "浙A12345"}, format="json"
    )

    assert response.status_code == 409
    assert Vehicle.objects.count() == 1


def test_a_car_with_an_open_order_cannot_be_removed(job):
    job.book()

    response = _client(job.owner).delete(f"/api/v1/vehicles/{job.vehicle.pk}/")

    assert response.status_code == 409
    assert Vehicle.objects.get(pk=job.vehicle.pk).is_active is True


def test_someone_elses_car_is_404(job):
    stranger = _client(UserFactory())

    assert stranger.get(f"/api/v1/vehicles/{job.vehicle.pk}/").status_code == 404
    assert (
        stranger.patch(f"/api/v1/vehicles/{job.vehicle.pk}/", {"nickname": "x"}, format="json").status_code
        == 404
    )
    assert stranger.delete(f"/api/v1/vehicles/{job.vehicle.pk}/").status_code == 404
    assert Vehicle.objects.get(pk=job.vehicle.pk).nickname == ""
