"""Additional work: pricing, the state machine, the owner's decision as evidence, payment through
the platform with its settlement line, completion, parts actually used, photos."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import override
from PIL import Image

from bookings import extras, photos, services
from bookings.models import (
    AdditionalWork,
    AdditionalWorkDecision,
    AdditionalWorkEvent,
    Booking,
    EvidenceImmutable,
    HealthRecord,
    PartUsed,
    ServicePhoto,
    ServiceStep,
)
from common.errors import DomainError, NotFound
from common.money import quantize_fen
from payments.checkout import extras as checkout_extras
from payments.checkout import services as checkout
from payments.checkout.models import Payment, Refund, SandboxCharge
from payments.ledger.models import JournalEntry
from payments.ledger.selectors import escrow_balance, merchant_payable_balance, trial_balance
from payments.settlement.models import Statement
from payments.vouchers import services as vouchers
from payments.vouchers.models import Redemption
from tests.extras.conftest import photo_upload
from tests.payments.settle_helpers import settle
from tests.payments.test_checkout import _notify

pytestmark = pytest.mark.django_db
W = AdditionalWork.Status


def _state(booking):
    return (
        list(AdditionalWork.objects.filter(booking=booking).values_list("status", flat=True)),
        AdditionalWorkDecision.objects.count(),
        AdditionalWorkEvent.objects.count(),
        Payment.objects.filter(additional_work__isnull=False).count(),
        JournalEntry.objects.count(),
        Redemption.objects.count(),
    )


# --- pricing ---------------------------------------------------------------------------------


def test_an_extra_is_priced_at_the_shop_like_a_booking_and_frozen(floor):
    extra = floor.raise_extra()

    lines = [(x.kind, x.sku, x.quantity, x.unit_price_amount, x.amount) for x in extra.lines.all()]
    assert lines == [
        ("part", "BOSCH-BP1", Decimal("1.00"), Decimal("280.00"), Decimal("280.00")),  # the shop's price
        ("labour", "", Decimal("1.00"), Decimal("150.00"), Decimal("150.00")),  # 1 h at ¥150/h
        ("part", "VALEO-600", Decimal("2.00"), Decimal("45.00"), Decimal("90.00")),  # list price
        ("labour", "", Decimal("0.50"), Decimal("150.00"), Decimal("75.00")),
    ]
    assert (extra.parts_amount, extra.labour_amount, extra.total_amount) == (
        Decimal("370.00"),
        Decimal("225.00"),
        Decimal("595.00"),
    )
    assert extra.status == W.REQUESTED
    assert extra.lines.last().name_zh == "工时：Clean the brake calipers"
    floor.booking.shop.labour_rate_amount = Decimal("999.00")
    floor.booking.shop.save()
    assert AdditionalWork.objects.get(pk=extra.pk).total_amount == Decimal("595.00")


def test_an_extra_needs_something_to_do_and_a_reason(floor):
    before = _state(floor.booking)

    with pytest.raises(extras.NothingExtra):
        floor.raise_extra(service_items=[], parts=[], labour_hours=None)
    with pytest.raises(DomainError) as no_reason:
        floor.raise_extra(reason="  ")
    with pytest.raises(NotFound) as unknown:
        floor.raise_extra(parts=[extras.PartWanted(code="NOPE-1", quantity=Decimal("1"))])
    with pytest.raises(DomainError) as bad_quantity:
        floor.raise_extra(parts=[extras.PartWanted(code="VALEO-600", quantity=Decimal("0"))])

    assert (no_reason.value.code, unknown.value.code, bad_quantity.value.code) == (
        "reason_required",
        "unknown_part",
        "invalid_quantity",
    )
    assert _state(floor.booking) == before


def test_no_extra_before_check_in_or_after_completion(floor):
    counter = floor.counter
    services.booking_complete(booking_id=floor.booking.pk, staff=counter.manager)
    paid_only = counter.job.book(starts_at=counter.job.slot + timedelta(days=1))
    before = (_state(paid_only), _state(floor.booking))

    for booking in (paid_only, floor.booking):
        with pytest.raises(extras.NotAtTheShop):
            extras.additional_work_request(
                booking_id=booking.pk, staff=counter.technician, reason="x", labour_hours=Decimal("1")
            )

    assert (_state(paid_only), _state(floor.booking)) == before


# --- the owner's decision --------------------------------------------------------------------


def test_approval_is_kept_as_evidence_with_the_exact_snapshot_and_its_digest(floor):
    extra = floor.raise_extra()
    seen = extras.offer_digest(extra)

    floor.approve(extra, seen_sha256=seen)

    extra.refresh_from_db()
    decision = AdditionalWorkDecision.objects.get(additional_work=extra)
    assert extra.status == W.APPROVED
    assert decision.decision == "approved"
    assert decision.owner == floor.booking.owner
    assert (decision.user_agent, decision.ip_address) == ("Mozilla/5.0 (iPhone)", "203.0.113.7")
    assert decision.snapshot["total_amount"] == "595.00"
    assert [line["amount"] for line in decision.snapshot["lines"]] == ["280.00", "150.00", "90.00", "75.00"]
    assert decision.snapshot["reason"] == "Front pads are down to 2 mm"
    assert decision.snapshot_sha256 == extras.snapshot_digest(decision.snapshot)
    assert len(decision.snapshot_sha256) == 64
    assert extras.decision_verify(decision) is True
    assert list(extra.events.values_list("from_status", "to_status")) == [
        ("", W.REQUESTED),
        (W.REQUESTED, W.APPROVED),
    ]


def test_the_evidence_cannot_be_changed_or_deleted(floor):
    extra = floor.raise_extra()
    floor.approve(extra)
    decision = AdditionalWorkDecision.objects.get(additional_work=extra)
    original = (decision.snapshot_sha256, decision.snapshot, decision.decided_at)

    decision.snapshot = {**decision.snapshot, "total_amount": "1.00"}
    with pytest.raises(EvidenceImmutable):
        decision.save()
    with pytest.raises(EvidenceImmutable):
        decision.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        AdditionalWorkDecision.objects.filter(pk=decision.pk).update(snapshot_sha256="0" * 64)

    stored = AdditionalWorkDecision.objects.get(pk=decision.pk)
    assert (stored.snapshot_sha256, stored.snapshot, stored.decided_at) == original


def test_a_decision_on_an_offer_other_than_the_one_seen_is_refused(floor):
    extra = floor.raise_extra()
    before = _state(floor.booking)

    with pytest.raises(extras.OfferChanged):
        floor.approve(extra, seen_sha256="0" * 64)

    assert _state(floor.booking) == before


def test_the_owner_decides_once_and_another_owner_not_at_all(floor, another_owner):
    extra = floor.raise_extra()

    with pytest.raises(NotFound):
        floor.approve(extra, owner=another_owner)
    extras.additional_work_decide(
        booking_id=floor.booking.pk, additional_work_id=extra.pk, owner=floor.booking.owner, approve=False
    )
    before = _state(floor.booking)
    with pytest.raises(extras.ExtraInvalidTransition):
        floor.approve(extra)

    assert AdditionalWork.objects.get(pk=extra.pk).status == W.DECLINED
    assert AdditionalWorkDecision.objects.get(additional_work=extra).decision == "declined"
    assert _state(floor.booking) == before


def test_an_extra_of_another_order_is_not_found(floor, job):
    extra = floor.raise_extra()
    other = job.book(starts_at=job.slot + timedelta(days=1))

    with pytest.raises(NotFound):
        extras.additional_work_decide(
            booking_id=other.pk, additional_work_id=extra.pk, owner=job.owner, approve=True
        )


def test_staff_may_withdraw_an_unpaid_extra_but_not_a_decided_or_paid_one(floor):
    requested, approved, declined = floor.raise_extra(), floor.raise_extra(), floor.raise_extra()
    floor.approve(approved)
    extras.additional_work_decide(
        booking_id=floor.booking.pk, additional_work_id=declined.pk, owner=floor.booking.owner, approve=False
    )
    staff = floor.counter.manager

    for extra in (requested, approved):
        extras.additional_work_withdraw(booking_id=floor.booking.pk, additional_work_id=extra.pk, staff=staff)
    with pytest.raises(extras.ExtraInvalidTransition):
        extras.additional_work_withdraw(
            booking_id=floor.booking.pk, additional_work_id=declined.pk, staff=staff
        )

    statuses = dict(AdditionalWork.objects.values_list("pk", "status"))
    assert statuses == {requested.pk: W.WITHDRAWN, approved.pk: W.WITHDRAWN, declined.pk: W.DECLINED}


# --- nothing is done without approval --------------------------------------------------------


def test_steps_and_parts_of_an_extra_wait_for_the_owners_approval(floor):
    extra = floor.raise_extra()
    before = (ServiceStep.objects.count(), PartUsed.objects.count())

    with pytest.raises(extras.ExtraNotApproved):
        services.service_step_add(
            booking_id=floor.booking.pk,
            technician=floor.counter.technician,
            description="Replaced front pads",
            additional_work_id=extra.pk,
        )
    with pytest.raises(extras.ExtraNotApproved):
        services.part_used_add(
            booking_id=floor.booking.pk,
            staff=floor.counter.technician,
            code="BOSCH-BP1",
            quantity=1,
            additional_work_id=extra.pk,
        )
    assert (ServiceStep.objects.count(), PartUsed.objects.count()) == before

    floor.approve(extra)
    step = services.service_step_add(
        booking_id=floor.booking.pk,
        technician=floor.counter.technician,
        description="Replaced front pads",
        additional_work_id=extra.pk,
    )
    used = services.part_used_add(
        booking_id=floor.booking.pk,
        staff=floor.counter.technician,
        code="BOSCH-BP1",
        quantity="1",
        additional_work_id=extra.pk,
    )
    assert step.additional_work == extra
    assert (used.part, used.name_en, used.quantity) == (floor.pads, floor.pads.name_en, Decimal("1.00"))


def test_completion_waits_for_an_approved_extra_to_be_paid_and_expires_undecided_ones(floor):
    unpaid, undecided = floor.raise_extra(), floor.raise_extra()
    floor.approve(unpaid)

    with pytest.raises(extras.ExtraUnpaid):
        services.booking_complete(booking_id=floor.booking.pk, staff=floor.counter.manager)
    assert Booking.objects.get(pk=floor.booking.pk).status == Booking.Status.CHECKED_IN
    assert not HealthRecord.objects.exists()

    floor.pay(unpaid)
    services.booking_complete(booking_id=floor.booking.pk, staff=floor.counter.manager)

    statuses = dict(AdditionalWork.objects.values_list("pk", "status"))
    assert statuses == {unpaid.pk: W.PAID, undecided.pk: W.EXPIRED}
    assert Booking.objects.get(pk=floor.booking.pk).status == Booking.Status.COMPLETED


# --- paying through the platform -------------------------------------------------------------


def test_paying_an_extra_posts_escrow_and_its_settlement_line_at_once(floor):
    shop = floor.booking.shop
    main = Redemption.objects.get(booking=floor.booking)
    extra = floor.raise_extra()
    floor.approve(extra)

    response, payment = floor.pay(extra)

    assert response.status_code == 200
    assert (payment.status, payment.amount, payment.additional_work_id) == (
        Payment.Status.SUCCEEDED,
        Decimal("595.00"),
        extra.pk,
    )
    assert extra.status == W.PAID
    assert extra.paid_at is not None
    line = Redemption.objects.get(additional_work=extra)
    commission = quantize_fen(Decimal("595.00") * shop.commission_rate)
    assert (line.voucher_id, line.booking_id, line.shop_id) == (main.voucher_id, floor.booking.pk, shop.pk)
    assert (line.gross_amount, line.commission_amount, line.merchant_amount) == (
        Decimal("595.00"),
        commission,
        Decimal("595.00") - commission,
    )
    assert line.commission_rate == shop.commission_rate
    assert escrow_balance() == Decimal("0.00")  # both the order and the extra left escrow
    assert merchant_payable_balance(shop) == main.merchant_amount + line.merchant_amount
    assert sum(balance for _account, balance in trial_balance()) == 0
    assert Payment.objects.filter(booking=floor.booking, status=Payment.Status.SUCCEEDED).count() == 2


def test_a_replayed_notice_changes_nothing(floor):
    extra = floor.raise_extra()
    floor.approve(extra)
    floor.pay(extra, event_id="evt_once")
    before = _state(floor.booking)

    payment = Payment.objects.get(additional_work=extra)
    again = _notify(SandboxCharge.objects.get(ref=payment.provider_ref), event_id="evt_once")
    other_id = _notify(SandboxCharge.objects.get(ref=payment.provider_ref), event_id="evt_twice")

    assert (again.status_code, other_id.status_code) == (200, 200)
    assert _state(floor.booking) == before


def test_a_notice_with_another_amount_is_refused_and_nothing_is_charged(floor):
    extra = floor.raise_extra()
    floor.approve(extra)
    entries = JournalEntry.objects.count()

    response, payment = floor.pay(extra, amount=Decimal("1.00"))

    assert response.status_code == 400
    assert payment.status == Payment.Status.PENDING
    assert "expected 595.00 CNY" in payment.flag
    assert extra.status == W.APPROVED
    assert JournalEntry.objects.count() == entries
    assert not Redemption.objects.filter(additional_work=extra).exists()


def test_only_an_approved_extra_can_be_paid_and_only_once(floor, another_owner):
    extra = floor.raise_extra()

    with pytest.raises(checkout.NotPayable):
        checkout_extras.extra_payment_start(
            booking_id=floor.booking.pk, additional_work_id=extra.pk, owner=floor.booking.owner
        )
    floor.approve(extra)
    with pytest.raises(NotFound):
        checkout_extras.extra_payment_start(
            booking_id=floor.booking.pk, additional_work_id=extra.pk, owner=another_owner
        )
    floor.pay(extra)
    with pytest.raises(checkout.AlreadyPaid):
        checkout_extras.extra_payment_start(
            booking_id=floor.booking.pk, additional_work_id=extra.pk, owner=floor.booking.owner
        )


def test_a_payment_that_lands_after_the_extra_was_withdrawn_is_refunded(floor):
    extra = floor.raise_extra()
    floor.approve(extra)
    start = checkout_extras.extra_payment_start(
        booking_id=floor.booking.pk, additional_work_id=extra.pk, owner=floor.booking.owner
    )
    extras.additional_work_withdraw(
        booking_id=floor.booking.pk, additional_work_id=extra.pk, staff=floor.counter.manager
    )
    charge = SandboxCharge.objects.get(ref=start.payment.provider_ref)
    charge.status = SandboxCharge.Status.SUCCEEDED
    charge.save()
    assert _notify(charge, event_id="late").status_code == 200

    start.payment.refresh_from_db()
    assert start.payment.status == Payment.Status.REFUNDED
    assert Refund.objects.get(payment=start.payment).amount == Decimal("595.00")
    assert AdditionalWork.objects.get(pk=extra.pk).status == W.WITHDRAWN
    assert not Redemption.objects.filter(additional_work=extra).exists()
    assert escrow_balance() == Decimal("0.00")


def test_the_redemption_cannot_be_undone_once_extras_are_paid(floor):
    extra = floor.raise_extra()
    floor.approve(extra)
    floor.pay(extra)
    main = Redemption.objects.get(booking=floor.booking, additional_work__isnull=True)

    with pytest.raises(vouchers.RedemptionNotUndoable) as main_undo:
        vouchers.voucher_redeem_undo(redemption_id=main.pk, manager=floor.counter.manager)
    with pytest.raises(vouchers.RedemptionNotUndoable):
        vouchers.voucher_redeem_undo(
            redemption_id=Redemption.objects.get(additional_work=extra).pk, manager=floor.counter.manager
        )

    assert main_undo.value.code == "extras_paid"
    with override("zh-hans"):
        assert str(main_undo.value.message) == "车主已为本订单的追加项目付款，此次核销不能再撤销。"
    with override("en"):
        assert "additional work" in str(main_undo.value.message)
    assert not Redemption.objects.filter(undone_at__isnull=False).exists()


def test_settlement_sums_the_extras_line_with_the_order(floor):
    extra = floor.raise_extra()
    floor.approve(extra)
    floor.pay(extra)
    services.booking_complete(booking_id=floor.booking.pk, staff=floor.counter.manager)
    today = timezone.localdate()

    settle(today, now=timezone.now() + timedelta(days=1, hours=3))

    statement = Statement.objects.get(shop=floor.booking.shop)
    lines = Redemption.objects.filter(booking=floor.booking)
    assert statement.redemption_count == 2
    assert statement.gross_amount == Decimal("133.00") + Decimal("595.00")
    assert statement.merchant_amount == sum(r.merchant_amount for r in lines)
    assert statement.commission_amount == sum(r.commission_amount for r in lines)


# --- the health record: parts actually used --------------------------------------------------


def test_the_health_record_lists_parts_actually_used_and_paid_extras(floor):
    extra = floor.raise_extra()
    floor.approve(extra)
    floor.pay(extra)
    tech = floor.counter.technician
    services.part_used_add(booking_id=floor.booking.pk, staff=tech, code="MANN-W610/3", quantity=1)
    services.part_used_add(
        booking_id=floor.booking.pk, staff=tech, code="BOSCH-BP1", quantity=1, additional_work_id=extra.pk
    )
    services.part_used_add(
        booking_id=floor.booking.pk, staff=tech, code="LOCAL-CLIP-7", quantity="4", name="Pad retaining clip"
    )

    record = services.booking_complete(booking_id=floor.booking.pk, staff=floor.counter.manager)

    assert [(p["code"], p["quantity"]) for p in record.parts] == [
        ("MANN-W610/3", "1.00"),
        ("BOSCH-BP1", "1.00"),
        ("LOCAL-CLIP-7", "4.00"),
    ]
    assert record.parts[2]["name_zh"] == "Pad retaining clip"
    # 0.5 h booked + 1 h pads + 0.5 h extra labour
    assert record.labour_hours == Decimal("2.00")
    assert len(record.repair_items) == 3


def test_without_parts_recorded_the_health_record_takes_the_priced_parts(floor):
    extra = floor.raise_extra()
    floor.approve(extra)
    floor.pay(extra)

    record = services.booking_complete(booking_id=floor.booking.pk, staff=floor.counter.manager)

    assert [(p["code"], p["quantity"]) for p in record.parts] == [
        ("MANN-W610/3", "1.00"),
        ("BOSCH-BP1", "1.00"),
        ("VALEO-600", "2.00"),
    ]


def test_a_part_outside_the_catalogue_needs_a_name(floor):
    with pytest.raises(DomainError) as refused:
        services.part_used_add(
            booking_id=floor.booking.pk, staff=floor.counter.technician, code="LOCAL-1", quantity=1
        )

    assert refused.value.code == "name_required"
    assert not PartUsed.objects.exists()


# --- photos ----------------------------------------------------------------------------------


def test_a_photo_is_re_encoded_without_its_metadata(floor):
    extra = floor.raise_extra(photo=photo_upload("JPEG", size=(40, 30), name="pads.jpg", exif=True))

    photo = ServicePhoto.objects.get(additional_work=extra)
    with photo.image.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert image.size == (40, 30)
        assert not image.getexif()
    assert photo.image.name.startswith(f"service-photos/{floor.booking.pk}/")
    assert extras.offer_snapshot(extra)["photos_sha256"] == [photo.sha256]


def test_a_step_can_carry_a_photo(floor):
    step = services.service_step_add(
        booking_id=floor.booking.pk,
        technician=floor.counter.technician,
        description="Old filter",
        photo=photo_upload(),
    )

    assert step.photos.count() == 1


@pytest.mark.parametrize(
    "upload",
    [
        lambda: photo_upload("GIF", name="x.gif"),
        lambda: SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg"),
        lambda: SimpleUploadedFile("x.png", photo_upload().read()[:40], content_type="image/png"),
    ],
    ids=["gif", "not-an-image", "truncated"],
)
def test_what_is_not_a_photo_is_refused(floor, upload):
    before = (AdditionalWork.objects.count(), ServicePhoto.objects.count())

    with pytest.raises(photos.PhotoInvalid) as refused:
        floor.raise_extra(photo=upload())

    assert refused.value.code == "photo_invalid"
    assert (AdditionalWork.objects.count(), ServicePhoto.objects.count()) == before


def test_a_photo_above_the_size_limit_is_refused(floor, settings):
    settings.PHOTO_MAX_BYTES = 50

    with pytest.raises(photos.PhotoInvalid) as refused, override("zh-hans"):
        floor.raise_extra(photo=photo_upload(size=(64, 64)))

    assert refused.value.code == "photo_too_large"
    assert not ServicePhoto.objects.exists()
