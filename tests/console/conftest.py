"""Fixtures for the shop console: a paid order at the job's shop, its staff, and a foreign shop's manager."""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from bookings.models import Booking
from payments.vouchers.services import voucher_code, voucher_qr_token
from shops.models import Membership
from tests.bookings.conftest import job  # noqa: F401 - a fixture, used by name
from tests.factories import MembershipFactory, UserFactory
from tests.payments.test_checkout import _pay


@dataclass
class Counter:
    job: object
    booking: Booking
    code: str
    qr: str
    manager: User
    cashier: User
    technician: User
    foreign_manager: User

    def client(self, user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client


def staff_at(shop, role) -> User:
    return MembershipFactory(shop=shop, role=role).user


def counter_for(job) -> Counter:  # noqa: F811 - the fixture or a value
    booking, _payment, _charge = _pay(job)
    return Counter(
        job=job,
        booking=booking,
        code=voucher_code(booking.voucher),
        qr=voucher_qr_token(booking.voucher),
        manager=staff_at(job.shop, Membership.Role.MANAGER),
        cashier=staff_at(job.shop, Membership.Role.CASHIER),
        technician=staff_at(job.shop, Membership.Role.TECHNICIAN),
        foreign_manager=MembershipFactory(role=Membership.Role.MANAGER).user,
    )


@pytest.fixture
def counter(job) -> Counter:  # noqa: F811 - the fixture, used by name
    return counter_for(job)


@pytest.fixture
def another_owner():
    return UserFactory(role=User.Role.OWNER)
