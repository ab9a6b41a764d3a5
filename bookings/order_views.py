"""Owner pages: the garage and the car's health record, booking a slot, my orders, an order, its
receipt and settlement list, the review, a complaint."""

import csv
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from bookings import extras, selectors, services
from bookings.console_forms import ReviewForm
from bookings.order_forms import ComplaintForm, VehicleForm
from common.errors import DomainError, NotFound
from common.http import client_ip
from parts import quoting
from parts.models import Package, Variant
from shops import selectors as shop_selectors


def owner_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_owner:
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc.message)) from exc

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# --- garage ----------------------------------------------------------------------------------


@owner_required
def garage(request):
    return render(
        request, "bookings/garage.html", {"vehicles": selectors.vehicle_list_for_owner(request.user)}
    )


@owner_required
@require_http_methods(["GET", "POST"])
def vehicle_add(request):
    initial = {"variant": request.GET.get("variant")}
    form = VehicleForm(request.POST or None, initial=initial)
    variant = (
        Variant.objects.select_related("model__brand").filter(pk=request.GET.get("variant") or 0).first()
    )
    if request.method == "POST" and form.is_valid():
        try:
            vehicle = services.vehicle_add(owner=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(car)s is in your garage.") % {"car": vehicle})
            next_url = request.GET.get("next", "")
            if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                return redirect(next_url + ("&" if "?" in next_url else "?") + f"vehicle={vehicle.pk}")
            return redirect("orders:vehicle", vehicle.pk)
    return render(request, "bookings/vehicle_form.html", {"form": form, "variant": variant})


@owner_required
@require_http_methods(["GET", "POST"])
def vehicle_edit(request, pk: int):
    vehicle = selectors.vehicle_get_for_owner(owner=request.user, vehicle_id=pk)
    form = VehicleForm(request.POST or None, instance=vehicle)
    if request.method == "POST" and form.is_valid():
        try:
            services.vehicle_update(vehicle=vehicle, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("orders:vehicle", vehicle.pk)
    return render(
        request, "bookings/vehicle_form.html", {"form": form, "variant": vehicle.variant, "vehicle": vehicle}
    )


@owner_required
@require_POST
def vehicle_remove(request, pk: int):
    vehicle = selectors.vehicle_get_for_owner(owner=request.user, vehicle_id=pk)
    try:
        services.vehicle_remove(vehicle=vehicle)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("orders:vehicle", vehicle.pk)
    messages.success(request, _("The car was removed from your garage."))
    return redirect("orders:garage")


@owner_required
def vehicle_detail(request, pk: int):
    vehicle = selectors.vehicle_get_for_owner(owner=request.user, vehicle_id=pk)
    bookings = selectors.booking_list_for_owner(request.user).filter(vehicle=vehicle)[:20]
    records = selectors.health_record_list_for_vehicle(vehicle)
    return render(
        request,
        "bookings/vehicle_detail.html",
        {"vehicle": vehicle, "bookings": bookings, "records": records},
    )


HEALTH_RECORD_COLUMNS = [
    gettext_lazy("repair shop"),
    gettext_lazy("VIN"),
    gettext_lazy("plate"),
    gettext_lazy("drop-off date"),
    gettext_lazy("drop-off mileage (km)"),
    gettext_lazy("settlement date"),
    gettext_lazy("settlement list number"),
    gettext_lazy("fault description"),
    gettext_lazy("repair items"),
    gettext_lazy("labour hours"),
    gettext_lazy("part name"),
    gettext_lazy("part code"),
    gettext_lazy("part quantity"),
]


@owner_required
def health_record_csv(request, pk: int):
    """The car's health record as CSV: the 13 JT/T 1132 fields, one row per part used."""
    vehicle = selectors.vehicle_get_for_owner(owner=request.user, vehicle_id=pk)
    zh = (request.LANGUAGE_CODE or "").startswith("zh")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="health-record-{vehicle.pk}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the Chinese names as UTF-8
    writer = csv.writer(response)
    writer.writerow([str(label) for label in HEALTH_RECORD_COLUMNS])
    for record in selectors.health_record_list_for_vehicle(vehicle):
        items = "; ".join(item["zh" if zh else "en"] for item in record.repair_items)
        parts = record.parts or [{"name_en": "", "name_zh": "", "code": "", "quantity": ""}]
        for part in parts:
            writer.writerow(
                [
                    record.shop_name,
                    record.vin,
                    record.plate,
                    record.drop_off_date.isoformat(),
                    record.drop_off_mileage_km,
                    record.settlement_date.isoformat(),
                    record.settlement_number,
                    record.fault_description,
                    items,
                    record.labour_hours,
                    part["name_zh" if zh else "name_en"],
                    part["code"],
                    part["quantity"],
                ]
            )
    return response


@owner_required
def health_record_print(request, pk: int):
    vehicle = selectors.vehicle_get_for_owner(owner=request.user, vehicle_id=pk)
    records = selectors.health_record_list_for_vehicle(vehicle)
    return render(request, "bookings/health_record_print.html", {"vehicle": vehicle, "records": records})


# --- booking ---------------------------------------------------------------------------------


def _book_context(request, source) -> dict:
    """What the booking page shows: the shop's price for this car now, and free slots that day."""
    try:
        shop = shop_selectors.shop_get_public(shop_id=int(source.get("shop", 0)))
    except (TypeError, ValueError) as exc:
        raise NotFound() from exc
    vehicles = list(selectors.vehicle_list_for_owner(request.user))
    vehicle_id, variant_id = source.get("vehicle"), source.get("variant")
    vehicle = next((v for v in vehicles if str(v.pk) == str(vehicle_id)), None)
    if vehicle is None and variant_id:
        vehicle = next((v for v in vehicles if str(v.variant_id) == str(variant_id)), None)
    if vehicle is None and not variant_id and vehicles:
        vehicle = vehicles[0]
    package = Package.objects.filter(code=source.get("package") or "").first()
    items = [code for code in (source.get("items") or "").split(",") if code]
    context = {
        "shop": shop,
        "vehicles": vehicles,
        "vehicle": vehicle,
        "package": package,
        "items": ",".join(items),
    }
    if vehicle is None and variant_id:
        query = urlencode({"variant": variant_id, "next": request.get_full_path()})
        context["add_car_url"] = f"{reverse('orders:vehicle-add')}?{query}"
    if vehicle is None or not (package or items):
        return context
    resolution = quoting.resolve(variant=vehicle.variant, service_items=items, package=package)
    try:
        context["quote"] = services.booking_quote(shop=shop, resolution=resolution)
        context["offers_all"] = True
    except services.QuoteIncomplete as exc:
        context["quote"] = resolution.price(shop_selectors.shop_pricebooks([shop])[shop.pk])
        context["offers_all"] = False
        context["quote_problem"] = exc.message
    slot = parse_datetime(source.get("slot") or "")
    if slot is not None and timezone.is_naive(slot):
        slot = timezone.make_aware(slot)
    day = parse_date(source.get("day") or "") or (timezone.localdate(slot) if slot else timezone.localdate())
    context["slot"] = slot
    context["day"] = day
    context["slots"] = shop_selectors.free_slots_for_shop(shop, day)
    return context


@owner_required
@require_http_methods(["GET", "POST"])
def book(request):
    """Pick a slot and confirm the breakdown; booking takes one place of the slot atomically."""
    source = request.POST if request.method == "POST" else request.GET
    try:
        context = _book_context(request, source)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("home")
    if request.method == "POST":
        slot: datetime | None = context.get("slot")
        if context.get("vehicle") is None or slot is None or "quote" not in context:
            messages.error(request, _("Choose a car, a service and a time."))
        else:
            try:
                booking = services.booking_create(
                    owner=request.user,
                    vehicle=context["vehicle"],
                    shop=context["shop"],
                    starts_at=slot,
                    service_items=context["items"].split(",") if context["items"] else (),
                    package=context["package"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                context["slots"] = shop_selectors.free_slots_for_shop(context["shop"], context["day"])
            else:
                messages.success(request, _("Booked! Pay within the time shown to keep your slot."))
                return redirect("orders:detail", booking.pk)
    return render(request, "bookings/book.html", context)


# --- my orders -------------------------------------------------------------------------------


@owner_required
def order_list(request):
    return render(
        request,
        "bookings/order_list.html",
        {"bookings": selectors.booking_list_for_owner(request.user)[:100]},
    )


@owner_required
def order_detail(request, pk: int):
    booking = selectors.booking_get_for_owner(owner=request.user, booking_id=pk)
    template = "bookings/_order_status.html" if request.htmx else "bookings/order_detail.html"
    return render(request, template, _order_context(booking))


def _order_context(booking, review_form=None, complaint_form=None) -> dict:
    review = getattr(booking, "review", None)
    complaint = getattr(booking, "complaint", None)
    extra_list = list(selectors.additional_work_list_for_booking(booking))
    for extra in extra_list:
        extra.offer_sha256 = extras.offer_digest(extra) if extra.status == extra.Status.REQUESTED else ""
    return {
        "booking": booking,
        "extras": extra_list,
        "extras_waiting": any(extra.is_open for extra in extra_list),
        "review": review,
        "record": getattr(booking, "health_record", None),
        "review_form": review_form
        or (ReviewForm() if booking.status == "completed" and not review else None),
        "complaint": complaint,
        "complaint_form": complaint_form
        or (ComplaintForm() if booking.status in services.COMPLAINABLE and not complaint else None),
    }


@owner_required
def order_extras(request, pk: int):
    """The additional-work part of the order page (htmx refreshes it while the car is at the shop)."""
    booking = selectors.booking_get_for_owner(owner=request.user, booking_id=pk)
    return render(request, "bookings/_extras.html", _order_context(booking))


@owner_required
@require_POST
def order_extra_decide(request, pk: int, extra_id: int, decision: str):
    """The owner approves or declines additional work; the decision is kept as evidence."""
    booking = selectors.booking_get_for_owner(owner=request.user, booking_id=pk)
    approve = decision == "approve"
    try:
        extras.additional_work_decide(
            booking_id=booking.pk,
            additional_work_id=extra_id,
            owner=request.user,
            approve=approve,
            user_agent=request.headers.get("User-Agent", ""),
            ip_address=client_ip(request),
            seen_sha256=request.POST.get("offer_sha256", ""),
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if approve:
            messages.success(request, _("Approved. Pay for the additional work to let the shop go ahead."))
        else:
            messages.success(request, _("Declined. The shop will not do or charge this work."))
    return redirect(reverse("orders:detail", args=[booking.pk]) + "#extras")


@owner_required
@require_POST
def order_review(request, pk: int):
    booking = selectors.booking_get_for_owner(owner=request.user, booking_id=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_create(booking_id=booking.pk, owner=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Thank you for your review."))
            return redirect("orders:detail", pk=booking.pk)
    return render(request, "bookings/order_detail.html", _order_context(booking, form), status=400)


@owner_required
@require_POST
def order_complaint(request, pk: int):
    """The owner files a complaint about the order; a platform admin decides it."""
    booking = selectors.booking_get_for_owner(owner=request.user, booking_id=pk)
    form = ComplaintForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.complaint_create(booking_id=booking.pk, owner=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, _("Your complaint has been filed. We will answer on this page."))
            return redirect(reverse("orders:detail", args=[booking.pk]) + "#complaint")
    return render(
        request, "bookings/order_detail.html", _order_context(booking, complaint_form=form), status=status
    )


@owner_required
def order_settlement_list(request, pk: int):
    booking = selectors.booking_get_for_owner(owner=request.user, booking_id=pk)
    record = getattr(booking, "health_record", None)
    if record is None:
        raise Http404(_("The settlement list is written when the order is completed."))
    return render(
        request,
        "bookings/settlement_list.html",
        {"booking": booking, "record": record, **selectors.additional_work_paid_context(booking)},
    )


@owner_required
def order_receipt(request, pk: int):
    booking = selectors.booking_get_for_owner(owner=request.user, booking_id=pk)
    return render(
        request,
        "bookings/receipt.html",
        {"booking": booking, **selectors.additional_work_paid_context(booking)},
    )


# --- service photos (the owner and the shop's staff) -----------------------------------------


@login_required
@cache_control(private=True, max_age=3600)
def photo(request, pk: int):
    """A photo of a step or an extra, for the order's owner and the shop's staff only (else 404).

    Photos are never public media: the file is read here after the access check."""
    try:
        found = selectors.photo_get_for_user(user=request.user, photo_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    return FileResponse(found.image.open("rb"), content_type="image/jpeg")
