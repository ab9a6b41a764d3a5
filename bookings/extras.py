"""Writes for additional work (price lock): raise, withdraw, the owner's decision, paid, expired.

The owner pays what was booked. Extra work found in the workshop becomes an ``AdditionalWork``
request, priced here from the catalogue and the shop's own prices exactly as a booking is
(``parts.quoting`` + ``bookings.services.booking_quote``) and frozen; nothing is done or charged
until the owner approves it, and the approval is kept as evidence (``AdditionalWorkDecision``:
who, when, device, and the exact snapshot with its SHA-256). Payments (a floor above) calls
``additional_work_mark_paid`` inside its own transaction when the extra's payment succeeds.

States: requested → approved → paid; requested → declined; requested or approved (not paid) →
withdrawn by the staff; requested → expired when the order completes first. Locks are always
taken booking first, then the extra, so concurrent decisions, withdrawals and payments serialise.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from bookings import photos
from bookings.models import (
    AdditionalWork,
    AdditionalWorkDecision,
    AdditionalWorkEvent,
    AdditionalWorkLine,
    Booking,
    BookingLine,
)
from bookings.services import booking_lock, booking_quote
from common.errors import Conflict, DomainError, NotFound
from common.money import ZERO, quantize_fen
from parts import quoting
from parts.models import Part
from shops.models import ShopPartPrice

W = AdditionalWork.Status
B = Booking.Status

ALLOWED: dict[str, frozenset[str]] = {
    W.REQUESTED: frozenset({W.APPROVED, W.DECLINED, W.WITHDRAWN, W.EXPIRED}),
    W.APPROVED: frozenset({W.PAID, W.WITHDRAWN}),
}
#: While the car is at the shop, extras may be raised and decided.
AT_THE_SHOP = frozenset({B.CHECKED_IN, B.IN_SERVICE})
#: Work and parts of an extra may be logged once the owner approved it.
MAY_BE_DONE = frozenset({W.APPROVED, W.PAID})
QUANTUM = Decimal("0.01")
MAX_QUANTITY = Decimal("999")


class ExtraInvalidTransition(Conflict):
    default_message = _("This additional work cannot change to that state now.")
    code = "invalid_transition"

    def __init__(self, from_status: str, to_status: str):
        super().__init__(
            _("Additional work that is “%(from)s” cannot become “%(to)s”.")
            % {"from": W(from_status).label, "to": W(to_status).label},
            extra={"status": from_status},
        )


class NotAtTheShop(Conflict):
    default_message = _("Additional work is possible only while the car is at the shop.")
    code = "not_at_the_shop"


class NothingExtra(DomainError):
    default_message = _("Add at least one service, part or labour hours to the additional work.")
    code = "nothing_extra"


class ExtraNotApproved(Conflict):
    default_message = _("The owner has not approved this additional work: it cannot be done or logged yet.")
    code = "extra_not_approved"


class ExtraUnpaid(Conflict):
    default_message = _(
        "The owner approved additional work that is not paid yet. Wait for the payment, or withdraw "
        "the additional work, before completing the order."
    )
    code = "extra_unpaid"


class OfferChanged(Conflict):
    default_message = _("The additional work changed since you saw it. Look at it again, then decide.")
    code = "offer_changed"


# --- pricing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartWanted:
    code: str  # the catalogue SKU
    quantity: Decimal


@dataclass(frozen=True)
class ExtraQuote:
    lines: tuple[quoting.QuoteLine, ...]
    parts_amount: Decimal
    labour_amount: Decimal
    total_amount: Decimal
    currency: str


def _quantity(value) -> Decimal:
    try:
        quantity = Decimal(str(value)).quantize(QUANTUM)
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(_("Enter a quantity such as 1 or 0.5."), code="invalid_quantity") from exc
    if not ZERO < quantity <= MAX_QUANTITY:
        raise DomainError(_("Enter a quantity such as 1 or 0.5."), code="invalid_quantity")
    return quantity


def additional_work_price(
    *,
    booking: Booking,
    service_items: Sequence[str] = (),
    parts: Sequence[PartWanted] = (),
    labour_hours: Decimal | None = None,
    labour_description: str = "",
) -> ExtraQuote:
    """Price extra work at the booking's shop, like a booking: service items resolved for the
    car's exact variant and priced with the shop's labour rate, fixed prices and part prices;
    single parts at the shop's price (else list price); extra labour hours at the shop's rate."""
    shop = booking.shop
    lines: list[quoting.QuoteLine] = []
    codes = [code for code in dict.fromkeys(service_items) if code]
    if codes:
        resolution = quoting.resolve(variant=booking.variant, service_items=codes)
        lines.extend(booking_quote(shop=shop, resolution=resolution).lines)
    if parts:
        skus = [wanted.code.strip() for wanted in parts]
        catalogue = {part.sku: part for part in Part.objects.filter(sku__in=skus)}
        own = dict(
            ShopPartPrice.objects.filter(shop=shop, part__in=catalogue.values()).values_list(
                "part_id", "unit_price_amount"
            )
        )
        for wanted in parts:
            part = catalogue.get(wanted.code.strip())
            if part is None:
                raise NotFound(
                    _("No part with the code %(code)s in the catalogue.") % {"code": wanted.code},
                    code="unknown_part",
                )
            quantity = _quantity(wanted.quantity)
            unit_price = quantize_fen(own.get(part.pk, part.list_price_amount))
            lines.append(
                quoting.QuoteLine(
                    "part",
                    "",
                    part.sku,
                    part.name_en,
                    part.name_zh,
                    quantity,
                    unit_price,
                    quantize_fen(quantity * unit_price),
                )
            )
    if labour_hours:
        hours = _quantity(labour_hours)
        unit_price = quantize_fen(shop.labour_rate_amount)
        what = labour_description.strip()[:150]
        lines.append(
            quoting.QuoteLine(
                "labour",
                "",
                "",
                f"Labour: {what}" if what else "Additional labour",
                f"工时：{what}" if what else "额外工时",
                hours,
                unit_price,
                quantize_fen(hours * unit_price),
            )
        )
    parts_amount = sum((line.amount for line in lines if line.kind == BookingLine.Kind.PART), ZERO)
    labour_amount = sum((line.amount for line in lines if line.kind == BookingLine.Kind.LABOUR), ZERO)
    if not lines or parts_amount + labour_amount <= 0:
        raise NothingExtra()
    return ExtraQuote(
        lines=tuple(lines),
        parts_amount=parts_amount,
        labour_amount=labour_amount,
        total_amount=parts_amount + labour_amount,
        currency=booking.currency,
    )


# --- state -----------------------------------------------------------------------------------


def additional_work_transition(
    extra: AdditionalWork, *, to: str, actor=None, reason: str = ""
) -> AdditionalWork:
    """The one gate for an extra's state. Call inside a transaction with booking and extra locked."""
    if to not in ALLOWED.get(extra.status, frozenset()):
        raise ExtraInvalidTransition(extra.status, to)
    AdditionalWorkEvent.objects.create(
        additional_work=extra, from_status=extra.status, to_status=to, actor=actor, reason=reason
    )
    extra.status = to
    extra.save(update_fields=["status", "updated_at"])
    return extra


def additional_work_lock(*, booking: Booking, additional_work_id: int) -> AdditionalWork:
    """Re-read one extra of ``booking`` under a row lock (inside a transaction) before changing it."""
    extra = (
        AdditionalWork.objects.select_for_update()
        .filter(pk=additional_work_id, booking_id=booking.pk)
        .first()
    )
    if extra is None:
        raise NotFound()
    return extra


@transaction.atomic
def additional_work_request(
    *,
    booking_id: int,
    staff,
    reason: str,
    service_items: Sequence[str] = (),
    parts: Sequence[PartWanted] = (),
    labour_hours: Decimal | None = None,
    labour_description: str = "",
    photo=None,
    now: datetime | None = None,
) -> AdditionalWork:
    """Staff raise extra work on an order at the shop; it waits for the owner's decision.

    Priced now at the shop's prices and frozen; an optional photo shows the owner why.
    """
    booking = booking_lock(booking_id)
    if booking.status not in AT_THE_SHOP:
        raise NotAtTheShop()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the additional work is needed."), code="reason_required")
    quote = additional_work_price(
        booking=booking,
        service_items=service_items,
        parts=parts,
        labour_hours=labour_hours,
        labour_description=labour_description,
    )
    extra = AdditionalWork.objects.create(
        booking=booking,
        reason=reason[:500],
        parts_amount=quote.parts_amount,
        labour_amount=quote.labour_amount,
        total_amount=quote.total_amount,
        currency=quote.currency,
        raised_by=staff,
        created_at=now or timezone.now(),
    )
    AdditionalWorkLine.objects.bulk_create(AdditionalWorkLine.frozen(quote.lines, additional_work=extra))
    AdditionalWorkEvent.objects.create(
        additional_work=extra, to_status=W.REQUESTED, actor=staff, reason=gettext_noop("raised by the shop")
    )
    if photo is not None:
        photos.photo_store(upload=photo, booking=booking, uploaded_by=staff, additional_work=extra)
    return extra


@transaction.atomic
def additional_work_withdraw(*, booking_id: int, additional_work_id: int, staff) -> AdditionalWork:
    """Staff take back an extra the owner has not paid (not needed after all, or not wanted)."""
    booking = booking_lock(booking_id)
    extra = additional_work_lock(booking=booking, additional_work_id=additional_work_id)
    return additional_work_transition(
        extra, to=W.WITHDRAWN, actor=staff, reason=gettext_noop("withdrawn by the shop")
    )


# --- the owner's decision (evidence) ---------------------------------------------------------


def offer_snapshot(extra: AdditionalWork) -> dict:
    """What the owner is shown and decides on, as plain JSON values (amounts as strings)."""
    booking = extra.booking
    return {
        "additional_work": extra.pk,
        "booking": booking.pk,
        "order_number": booking.number,
        "shop": booking.shop_id,
        "shop_name": booking.shop.name,
        "plate": booking.vehicle.plate,
        "reason": extra.reason,
        "raised_at": extra.created_at.isoformat(),
        "raised_by": extra.raised_by_id,
        "currency": extra.currency,
        "lines": [
            {
                "kind": line.kind,
                "service_item": line.service_item_code,
                "code": line.sku,
                "name_en": line.name_en,
                "name_zh": line.name_zh,
                "quantity": str(line.quantity),
                "unit_price": str(line.unit_price_amount),
                "amount": str(line.amount),
            }
            for line in extra.lines.all()
        ],
        "parts_amount": str(extra.parts_amount),
        "labour_amount": str(extra.labour_amount),
        "total_amount": str(extra.total_amount),
        "photos_sha256": [photo.sha256 for photo in extra.photos.all()],
    }


def snapshot_digest(snapshot: dict) -> str:
    """SHA-256 of the snapshot's canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def offer_digest(extra: AdditionalWork) -> str:
    """The digest of the offer as shown; a decision may quote it to prove what was seen."""
    return snapshot_digest(offer_snapshot(extra))


def decision_verify(decision: AdditionalWorkDecision) -> bool:
    """The stored snapshot still hashes to the stored digest and matches the extra's lines."""
    if snapshot_digest(decision.snapshot) != decision.snapshot_sha256:
        return False
    offer = {k: v for k, v in decision.snapshot.items() if k not in ("decision", "decided_at", "owner")}
    return offer == offer_snapshot(decision.additional_work)


@transaction.atomic
def additional_work_decide(
    *,
    booking_id: int,
    additional_work_id: int,
    owner,
    approve: bool,
    user_agent: str = "",
    ip_address: str | None = None,
    seen_sha256: str = "",
    now: datetime | None = None,
) -> AdditionalWork:
    """The owner approves or declines an extra, once; the decision is written as evidence.

    Another owner's order is 404. ``seen_sha256`` (optional) is the offer digest the owner's
    screen showed: a different one means the offer is not what they saw (409, nothing written).
    """
    now = now or timezone.now()
    booking = booking_lock(booking_id)
    if booking.owner_id != owner.pk:
        raise NotFound()
    extra = additional_work_lock(booking=booking, additional_work_id=additional_work_id)
    to = W.APPROVED if approve else W.DECLINED
    if extra.status != W.REQUESTED:
        raise ExtraInvalidTransition(extra.status, to)
    if booking.status not in AT_THE_SHOP:
        raise NotAtTheShop()
    snapshot = offer_snapshot(extra)
    if seen_sha256 and seen_sha256 != snapshot_digest(snapshot):
        raise OfferChanged()
    decision = (
        AdditionalWorkDecision.Decision.APPROVED if approve else AdditionalWorkDecision.Decision.DECLINED
    )
    snapshot.update({"decision": decision, "decided_at": now.isoformat(), "owner": owner.pk})
    AdditionalWorkDecision.objects.create(
        additional_work=extra,
        decision=decision,
        owner=owner,
        decided_at=now,
        snapshot=snapshot,
        snapshot_sha256=snapshot_digest(snapshot),
        user_agent=(user_agent or "")[:300],
        ip_address=ip_address or None,
    )
    return additional_work_transition(
        extra,
        to=to,
        actor=owner,
        reason=gettext_noop("approved by the owner") if approve else gettext_noop("declined by the owner"),
    )


# --- paid, expired (called by payments and by completion) ------------------------------------


def additional_work_mark_paid(extra: AdditionalWork, *, at: datetime) -> AdditionalWork:
    """The extra's payment succeeded (payments' transaction, booking and extra locked)."""
    extra.paid_at = at
    extra.save(update_fields=["paid_at", "updated_at"])
    return additional_work_transition(extra, to=W.PAID, reason=gettext_noop("paid"))


def additional_work_close_for_completion(*, booking: Booking, staff) -> None:
    """Before an order completes: an approved extra must be paid (else 409 ``extra_unpaid``);
    one still waiting for the owner expires (nothing was done or charged for it)."""
    open_extras = list(
        AdditionalWork.objects.select_for_update().filter(
            booking=booking, status__in=(W.REQUESTED, W.APPROVED)
        )
    )
    if any(extra.status == W.APPROVED for extra in open_extras):
        raise ExtraUnpaid()
    for extra in open_extras:
        additional_work_transition(
            extra, to=W.EXPIRED, actor=staff, reason=gettext_noop("order completed before a decision")
        )


def additional_work_for_logging(*, booking: Booking, additional_work_id: int | None) -> AdditionalWork | None:
    """The extra a step or a part belongs to: it must be this order's and approved (or paid)."""
    if not additional_work_id:
        return None
    extra = AdditionalWork.objects.filter(pk=additional_work_id, booking_id=booking.pk).first()
    if extra is None:
        raise NotFound()
    if extra.status not in MAY_BE_DONE:
        raise ExtraNotApproved()
    return extra
