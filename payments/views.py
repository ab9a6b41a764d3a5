"""Payment pages: pay for and cancel an order, the voucher's QR, and the sandbox provider's pay page."""

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bookings import selectors as booking_selectors
from common.errors import DomainError, NotFound
from payments.checkout import extras as checkout_extras
from payments.checkout import services as checkout
from payments.checkout.models import SandboxCharge
from payments.tasks import sandbox_notify
from payments.vouchers.services import voucher_qr_token


@require_http_methods(["GET", "POST"])
def sandbox_pay(request, ref: str):
    """The payer confirms or declines; the sandbox then notifies the platform, signed."""
    charge = get_object_or_404(SandboxCharge, ref=ref)
    if request.method == "POST" and charge.status == SandboxCharge.Status.OPEN:
        decision = request.POST.get("decision")
        with transaction.atomic():
            locked = SandboxCharge.objects.select_for_update().get(pk=charge.pk)
            if locked.status == SandboxCharge.Status.OPEN and decision in ("confirm", "decline"):
                locked.status = (
                    SandboxCharge.Status.SUCCEEDED if decision == "confirm" else SandboxCharge.Status.DECLINED
                )
                locked.save(update_fields=["status", "updated_at"])
                transaction.on_commit(lambda: sandbox_notify.delay(locked.ref))
        return redirect(charge.return_url)
    return render(request, "payments/sandbox_pay.html", {"charge": charge})


def _owner_booking(request, pk: int):
    if not request.user.is_authenticated or not request.user.is_owner:
        raise Http404
    try:
        return booking_selectors.booking_get_for_owner(owner=request.user, booking_id=pk)
    except NotFound as exc:
        raise Http404 from exc


@login_required
@require_POST
def order_pay(request, pk: int):
    """Start paying an order: off to the provider's page."""
    booking = _owner_booking(request, pk)
    try:
        start = checkout.payment_start(booking_id=booking.pk, owner=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("orders:detail", booking.pk)
    return redirect(start.redirect_url)


@login_required
@require_POST
def extra_pay(request, pk: int, extra_id: int):
    """Start paying approved additional work: off to the provider's page, like the order."""
    booking = _owner_booking(request, pk)
    try:
        start = checkout_extras.extra_payment_start(
            booking_id=booking.pk, additional_work_id=extra_id, owner=request.user
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("orders:detail", booking.pk)
    return redirect(start.redirect_url)


@login_required
@require_POST
def order_cancel(request, pk: int):
    booking = _owner_booking(request, pk)
    try:
        booking = checkout.order_cancel(
            booking_id=booking.pk, actor=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if booking.status == booking.Status.REFUNDED:
            messages.success(
                request,
                _("Cancelled. %(amount)s will be refunded in full.") % {"amount": booking.total_amount},
            )
        else:
            messages.success(request, _("Cancelled."))
    return redirect("orders:detail", booking.pk)


@login_required
@never_cache
def voucher_qr(request, pk: int):
    """The voucher's QR code as SVG, for its owner only."""
    booking = _owner_booking(request, pk)
    voucher = getattr(booking, "voucher", None)
    if voucher is None or voucher.status != voucher.Status.ISSUED:
        raise Http404
    buffer = io.BytesIO()
    segno.make(voucher_qr_token(voucher), error="m").save(buffer, kind="svg", scale=6, border=2)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response
