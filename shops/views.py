"""Shop pages: the staff console, the application, the manager's settings, the public profile."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import DomainError, NotFound
from parts.models import ServiceItem
from shops import services
from shops.forms import (
    ClosureForm,
    PartPriceForm,
    ServicesForm,
    ShopApplicationForm,
    ShopProfileForm,
    StaffForm,
    WeeklyHoursForm,
)
from shops.models import Membership, ShopPartPrice, ShopService
from shops.selectors import (
    free_slots_for_shop,
    membership_list_for_user,
    shop_get_for_manager,
    shop_get_public,
    shop_services_for_profile,
    week_hours_display,
)


def _managed_shop(request, shop_id: int):
    try:
        return shop_get_for_manager(user=request.user, shop_id=shop_id)
    except NotFound as exc:
        raise Http404 from exc


@login_required
def console(request):
    """The staff console's front page: the shops this person works at and their role there."""
    if not request.user.is_shop_staff:
        raise PermissionDenied
    return render(request, "shops/console.html", {"memberships": membership_list_for_user(request.user)})


@login_required
def manage(request):
    """The manager's settings of their (first) shop; the console when they manage none."""
    membership = (
        membership_list_for_user(request.user)
        .filter(role=Membership.Role.MANAGER)
        .order_by("shop_id")
        .first()
    )
    if membership is None:
        return redirect("shops:console")
    return redirect("shops:settings", shop_id=membership.shop_id)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request):
    """A merchant applies to put their shop on the platform; an admin approves it."""
    if request.user.is_platform_admin:
        raise PermissionDenied
    form = ShopApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            shop = services.shop_apply(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Thank you! %(name)s waits for approval by the platform.") % {"name": shop.name}
            )
            return redirect("shops:console")
    return render(request, "shops/apply.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request, shop_id: int):
    """The manager's shop profile, place, service area, labour rate, capacity and payout account."""
    shop = _managed_shop(request, shop_id)
    initial = {field: getattr(shop, field) for field in ShopProfileForm.base_fields}
    form = ShopProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        bays, slot_minutes = data.pop("bays"), data.pop("slot_minutes")
        services.shop_update_profile(shop=shop, **data)
        services.shop_set_capacity(shop=shop, bays=bays, slot_minutes=slot_minutes)
        messages.success(request, _("The shop's settings were saved."))
        return redirect("shops:settings", shop_id=shop.id)
    return render(request, "shops/settings.html", {"shop": shop, "form": form, "tab": "settings"})


@login_required
@require_http_methods(["GET", "POST"])
def hours_page(request, shop_id: int):
    """Weekly hours, the public calendar, and the shop's own closures and special openings."""
    shop = _managed_shop(request, shop_id)
    hours_form = WeeklyHoursForm(
        request.POST if "save_hours" in request.POST else None, initial=WeeklyHoursForm.initial_for(shop)
    )
    closure_form = ClosureForm(request.POST if "add_closure" in request.POST else None)
    if request.method == "POST":
        if "save_hours" in request.POST and hours_form.is_valid():
            services.shop_set_hours(
                shop=shop,
                weekly=hours_form.cleaned_data["weekly"],
                observes_public_holidays=hours_form.cleaned_data["observes_public_holidays"],
            )
            messages.success(request, _("The opening hours were saved."))
            return redirect("shops:hours", shop_id=shop.id)
        if "add_closure" in request.POST and closure_form.is_valid():
            data = closure_form.cleaned_data
            try:
                services.closure_set(
                    shop=shop,
                    day=data["date"],
                    is_open=data["is_open"],
                    opens=data["opens"],
                    closes=data["closes"],
                    reason=data["reason"],
                )
            except DomainError as exc:
                closure_form.add_error(None, exc.message)
            else:
                messages.success(request, _("The date was saved."))
                return redirect("shops:hours", shop_id=shop.id)
    closures = shop.closures.filter(date__gte=timezone.localdate()).order_by("date")
    return render(
        request,
        "shops/hours.html",
        {
            "shop": shop,
            "hours_form": hours_form,
            "closure_form": closure_form,
            "closures": closures,
            "tab": "hours",
        },
    )


@login_required
@require_POST
def closure_delete(request, shop_id: int, closure_id: int):
    shop = _managed_shop(request, shop_id)
    try:
        services.closure_delete(shop=shop, closure_id=closure_id)
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, _("The date was removed."))
    return redirect("shops:hours", shop_id=shop.id)


@login_required
@require_http_methods(["GET", "POST"])
def staff_page(request, shop_id: int):
    """The shop's staff: add a shop-staff account with a role, or remove one."""
    shop = _managed_shop(request, shop_id)
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_add(shop=shop, **form.cleaned_data)
        except DomainError as exc:
            form.add_error("username", exc.message)
        else:
            messages.success(request, _("The staff list was saved."))
            return redirect("shops:staff", shop_id=shop.id)
    staff = Membership.objects.filter(shop=shop).select_related("user").order_by("role", "user__username")
    return render(request, "shops/staff.html", {"shop": shop, "form": form, "staff": staff, "tab": "staff"})


@login_required
@require_POST
def staff_remove(request, shop_id: int, membership_id: int):
    shop = _managed_shop(request, shop_id)
    try:
        services.membership_remove(shop=shop, membership_id=membership_id)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The staff member was removed."))
    return redirect("shops:staff", shop_id=shop.id)


def profile(request, slug: str):
    """A shop's public page: where, when, services and prices, and the next free slots."""
    try:
        shop = shop_get_public(slug=slug)
    except NotFound as exc:
        raise Http404 from exc
    today = timezone.localdate()
    days = []
    for offset in range(3):
        day = today + timedelta(days=offset)
        days.append((day, free_slots_for_shop(shop, day)[:8]))
    context = {"shop": shop, "hours": week_hours_display(shop), "days": days}
    context.update(_profile_services(shop))
    return render(request, "shops/profile.html", context)


def _profile_services(shop) -> dict:
    """The services and prices block of the profile page."""
    return {"services": shop_services_for_profile(shop)}


@login_required
@require_http_methods(["GET", "POST"])
def services_page(request, shop_id: int):
    """Which service items the shop offers, fixed labour prices, and its own part prices."""
    shop = _managed_shop(request, shop_id)
    offered = dict(
        ShopService.objects.filter(shop=shop).values_list("service_item__code", "fixed_price_amount")
    )
    items = ServiceItem.objects.order_by("sort", "code")
    services_form = ServicesForm(
        request.POST if "save_services" in request.POST else None, items=items, offered=offered
    )
    price_form = PartPriceForm(request.POST if "add_price" in request.POST else None)
    if request.method == "POST":
        if "save_services" in request.POST and services_form.is_valid():
            services.shop_set_services(shop=shop, offers=services_form.offers())
            messages.success(request, _("The services were saved."))
            return redirect("shops:services", shop_id=shop.id)
        if "add_price" in request.POST and price_form.is_valid():
            try:
                services.part_price_set(shop=shop, **price_form.cleaned_data)
            except DomainError as exc:
                price_form.add_error("sku", exc.message)
            else:
                messages.success(request, _("The part price was saved."))
                return redirect("shops:services", shop_id=shop.id)
    overrides = (
        ShopPartPrice.objects.filter(shop=shop).select_related("part").order_by("part__category", "part__sku")
    )
    return render(
        request,
        "shops/services.html",
        {
            "shop": shop,
            "services_form": services_form,
            "price_form": price_form,
            "overrides": overrides[:200],
            "override_count": overrides.count(),
            "tab": "services",
        },
    )


@login_required
@require_POST
def part_price_delete(request, shop_id: int, override_id: int):
    shop = _managed_shop(request, shop_id)
    try:
        services.part_price_delete(shop=shop, override_id=override_id)
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, _("The part price was removed; the list price applies again."))
    return redirect("shops:services", shop_id=shop.id)
