"""Payments tests reuse the orders' fixtures (a car, a shop offering the job, a free slot)."""

from tests.bookings.conftest import job  # noqa: F401 - a fixture, used by name
