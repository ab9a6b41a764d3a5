"""The staff console's booking pages: the day's and upcoming orders, an order with its service log,
the printable settlement list, and the shop's reviews."""

from datetime import date, timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import extras, selectors, services
from bookings.console_forms import CheckInForm, ExtraForm, PartUsedForm, ReplyForm, StepForm
from bookings.models import Booking
from common.errors import DomainError, NotFound
from common.errors import PermissionDenied as DomainPermissionDenied
from shops.models import ShopService


def staff_required(view):
    """Shop staff only; a domain 404/403 becomes the page's 404/403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_shop_staff:
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc.message)) from exc
        except DomainPermissionDenied as exc:
            raise PermissionDenied(str(exc.message)) from exc

    return wrapped


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@staff_required
def booking_list(request):
    """Today's and upcoming orders of the user's shops, or one day's (``?date=``)."""
    day = _day(request.GET.get("date"))
    bookings = list(selectors.booking_list_for_staff(user=request.user, day=day)[:200])
    days: dict[date, list[Booking]] = {}
    for booking in bookings:
        days.setdefault(timezone.localtime(booking.starts_at).date(), []).append(booking)
    today = timezone.localdate()
    context = {
        "day": day,
        "days": days,
        "today": today,
        "previous": (day or today) - timedelta(days=1),
        "next": (day or today) + timedelta(days=1),
    }
    return render(request, "bookings/console/booking_list.html", context)


def _approved(extra_list):
    return [extra for extra in extra_list if extra.status in extras.MAY_BE_DONE]


def _service_items(booking):
    return [
        offer.service_item
        for offer in ShopService.objects.filter(shop_id=booking.shop_id).select_related("service_item")
    ]


def _detail_context(request, booking, membership, **forms) -> dict:
    is_counter = membership.role in selectors.ROLES_COUNTER
    extra_list = list(selectors.additional_work_list_for_booking(booking))
    approved = _approved(extra_list)
    at_the_shop = booking.status in extras.AT_THE_SHOP
    may_raise = at_the_shop and membership.role in selectors.ROLES_EXTRA
    return {
        "booking": booking,
        "membership": membership,
        "is_counter": is_counter,
        "is_redeemed": booking.redemptions.filter(
            undone_at__isnull=True, additional_work__isnull=True
        ).exists(),
        "visit": getattr(booking, "visit", None),
        "record": getattr(booking, "health_record", None),
        "check_in_form": forms.get("check_in_form") or CheckInForm(),
        "step_form": forms.get("step_form") or StepForm(extras=approved),
        "needs_confirm": forms.get("needs_confirm", False),
        "extras": extra_list,
        "may_raise": may_raise,
        "extra_form": (forms.get("extra_form") or ExtraForm(service_items=_service_items(booking)))
        if may_raise
        else None,
        "part_form": forms.get("part_form") or PartUsedForm(extras=approved),
    }


@staff_required
def booking_detail(request, pk: int):
    booking, membership = selectors.booking_get_for_staff(user=request.user, booking_id=pk)
    return render(
        request, "bookings/console/booking_detail.html", _detail_context(request, booking, membership)
    )


@staff_required
@require_POST
def booking_check_in(request, pk: int):
    booking, membership = selectors.booking_get_for_staff(
        user=request.user, booking_id=pk, roles=selectors.ROLES_COUNTER
    )
    form = CheckInForm(request.POST)
    needs_confirm = False
    if form.is_valid():
        try:
            services.booking_check_in(booking_id=pk, staff=request.user, **form.cleaned_data)
        except services.OdometerLower as exc:
            needs_confirm = True
            form.add_error("odometer_km", exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The car is checked in."))
            return redirect("console:booking", pk=pk)
    context = _detail_context(request, booking, membership, check_in_form=form, needs_confirm=needs_confirm)
    return render(request, "bookings/console/booking_detail.html", context, status=400)


@staff_required
@require_POST
def booking_step(request, pk: int):
    booking, membership = selectors.booking_get_for_staff(user=request.user, booking_id=pk)
    approved = _approved(selectors.additional_work_list_for_booking(booking))
    form = StepForm(request.POST, request.FILES, extras=approved)
    if form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            services.service_step_add(
                booking_id=pk,
                technician=request.user,
                description=fields["description"],
                result=fields["result"],
                note=fields["note"],
                additional_work_id=fields.get("additional_work"),
                photo=fields.get("photo"),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The step is logged."))
            return redirect("console:booking", pk=pk)
    context = _detail_context(request, booking, membership, step_form=form)
    return render(request, "bookings/console/booking_detail.html", context, status=400)


@staff_required
@require_POST
def booking_complete(request, pk: int):
    selectors.booking_get_for_staff(user=request.user, booking_id=pk, roles=selectors.ROLES_COUNTER)
    try:
        services.booking_complete(booking_id=pk, staff=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The order is completed and the car's health record is written."))
    return redirect("console:booking", pk=pk)


@staff_required
@require_POST
def booking_extra_create(request, pk: int):
    """A technician or manager raises additional work; the owner is asked on their phone."""
    booking, membership = selectors.booking_get_for_staff(
        user=request.user, booking_id=pk, roles=selectors.ROLES_EXTRA
    )
    form = ExtraForm(request.POST, request.FILES, service_items=_service_items(booking))
    if form.is_valid():
        d = form.cleaned_data
        parts = []
        if d["part_code"]:
            parts.append(extras.PartWanted(code=d["part_code"], quantity=d["part_quantity"] or 1))
        try:
            extras.additional_work_request(
                booking_id=pk,
                staff=request.user,
                reason=d["reason"],
                service_items=d["service_items"],
                parts=parts,
                labour_hours=d["labour_hours"],
                labour_description=d["labour_description"],
                photo=d.get("photo"),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The additional work is sent to the owner for approval."))
            return redirect("console:booking", pk=pk)
    context = _detail_context(request, booking, membership, extra_form=form)
    return render(request, "bookings/console/booking_detail.html", context, status=400)


@staff_required
@require_POST
def booking_extra_withdraw(request, pk: int, extra_id: int):
    selectors.booking_get_for_staff(user=request.user, booking_id=pk, roles=selectors.ROLES_EXTRA)
    try:
        extras.additional_work_withdraw(booking_id=pk, additional_work_id=extra_id, staff=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The additional work is withdrawn."))
    return redirect("console:booking", pk=pk)


@staff_required
@require_POST
def booking_part_used(request, pk: int):
    booking, membership = selectors.booking_get_for_staff(user=request.user, booking_id=pk)
    approved = _approved(selectors.additional_work_list_for_booking(booking))
    form = PartUsedForm(request.POST, extras=approved)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.part_used_add(
                booking_id=pk,
                staff=request.user,
                code=d["code"],
                quantity=d["quantity"],
                name=d["name"],
                additional_work_id=d.get("additional_work"),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The part is recorded."))
            return redirect("console:booking", pk=pk)
    context = _detail_context(request, booking, membership, part_form=form)
    return render(request, "bookings/console/booking_detail.html", context, status=400)


@staff_required
def settlement_list(request, pk: int):
    """The printable repair settlement list (结算清单) of a completed order."""
    booking, _membership = selectors.booking_get_for_staff(user=request.user, booking_id=pk)
    record = getattr(booking, "health_record", None)
    if record is None:
        raise Http404(_("The settlement list is written when the order is completed."))
    return render(
        request,
        "bookings/settlement_list.html",
        {"booking": booking, "record": record, **selectors.additional_work_paid_context(booking)},
    )


@staff_required
def review_list(request, shop_id: int):
    membership = selectors.membership_get(user=request.user, shop_id=shop_id)
    reviews = selectors.review_list_for_shop(shop_id)[:100]
    return render(
        request,
        "bookings/console/review_list.html",
        {"shop": membership.shop, "membership": membership, "reviews": reviews, "form": ReplyForm()},
    )


@staff_required
@require_POST
def review_reply(request, shop_id: int, review_id: int):
    selectors.membership_get(user=request.user, shop_id=shop_id, roles=selectors.ROLES_MANAGER)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a reply first."))
    else:
        try:
            services.review_reply(
                review_id=review_id, shop_id=shop_id, manager=request.user, text=form.cleaned_data["text"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your reply is published."))
    return redirect("console:reviews", shop_id=shop_id)
