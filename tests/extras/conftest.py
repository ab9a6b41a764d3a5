"""Fixtures for additional work: an order checked in at its shop, a second service the shop
offers (front brake pads), a loose catalogue part (a wiper blade), and tiny generated photos."""

import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bookings import extras, services
from bookings.models import Booking
from parts.models import Part, ServiceItemPart
from payments.checkout import extras as checkout_extras
from payments.checkout.models import SandboxCharge
from payments.vouchers import services as vouchers
from shops.models import ShopPartPrice, ShopService
from tests.console.conftest import Counter, another_owner, counter_for, job  # noqa: F401 - fixtures, used by name
from tests.parts.factories import PartFactory, fitting, item_needing
from tests.payments.test_checkout import _notify


@dataclass
class Floor:
    """A checked-in order (voucher redeemed for ¥133.00) and what an extra can be made of."""

    counter: Counter
    booking: Booking
    pads_item: object
    pads: Part
    wiper: Part

    def raise_extra(self, *, staff=None, photo=None, **kw):
        fields = {
            "service_items": [self.pads_item.code],
            "parts": [extras.PartWanted(code=self.wiper.sku, quantity=Decimal("2"))],
            "labour_hours": Decimal("0.5"),
            "labour_description": "Clean the brake calipers",
            "reason": "Front pads are down to 2 mm",
        }
        fields.update(kw)
        return extras.additional_work_request(
            booking_id=self.booking.pk, staff=staff or self.counter.technician, photo=photo, **fields
        )

    def approve(self, extra, owner=None, **kw):
        return extras.additional_work_decide(
            booking_id=self.booking.pk,
            additional_work_id=extra.pk,
            owner=owner or self.booking.owner,
            approve=True,
            user_agent="Mozilla/5.0 (iPhone)",
            ip_address="203.0.113.7",
            **kw,
        )

    def pay(self, extra, *, amount=None, event_id=None):
        """Start the extra's payment, confirm it at the sandbox and deliver the signed notice."""
        start = checkout_extras.extra_payment_start(
            booking_id=self.booking.pk, additional_work_id=extra.pk, owner=self.booking.owner
        )
        charge = SandboxCharge.objects.get(ref=start.payment.provider_ref)
        charge.status = SandboxCharge.Status.SUCCEEDED
        charge.save()
        response = _notify(charge, amount=amount, event_id=event_id or f"evt_extra_{extra.pk}")
        start.payment.refresh_from_db()
        extra.refresh_from_db()
        return response, start.payment


def photo_upload(fmt="PNG", size=(8, 6), name="photo.png", exif: bool = False) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretPhoneMaker"  # Make
        image.save(buffer, format=fmt, exif=data.tobytes())
    else:
        image.save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def floor_for(job) -> Floor:  # noqa: F811 - the fixture or a value
    counter = counter_for(job)
    vouchers.voucher_redeem(
        voucher_id=counter.booking.voucher.pk, shop=job.shop, staff=counter.cashier, request_id="first"
    )
    services.booking_check_in(booking_id=counter.booking.pk, staff=counter.cashier, odometer_km=30_000)
    variant = job.vehicle.variant
    pads_item = item_needing(
        "brake_pads_front", Part.Category.BRAKE_PADS_FRONT, rule=ServiceItemPart.Rule.FIXED, hours="1.0"
    )
    pads = fitting(
        variant, category=Part.Category.BRAKE_PADS_FRONT, list_price_amount=Decimal("300.00"), sku="BOSCH-BP1"
    )
    ShopService.objects.create(shop=job.shop, service_item=pads_item)
    ShopPartPrice.objects.create(shop=job.shop, part=pads, unit_price_amount=Decimal("280.00"))
    wiper = PartFactory(
        category=Part.Category.WIPER_BLADE, list_price_amount=Decimal("45.00"), sku="VALEO-600"
    )
    counter.booking.refresh_from_db()
    return Floor(counter=counter, booking=counter.booking, pads_item=pads_item, pads=pads, wiper=wiper)


@pytest.fixture
def floor(job) -> Floor:  # noqa: F811 - the fixture, used by name
    return floor_for(job)
