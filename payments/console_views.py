"""The counter's voucher page: look a code up (typed or scanned), confirm to redeem, undo within the hour."""

import uuid
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bookings.selectors import ROLES_COUNTER
from common.errors import DomainError, NotFound
from common.errors import PermissionDenied as DomainPermissionDenied
from payments.vouchers import counter
from payments.vouchers.models import Redemption
from shops.models import Membership


def _counter_staff(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_shop_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _recent(user) -> list[Redemption]:
    shop_ids = Membership.objects.filter(user=user, role__in=ROLES_COUNTER).values_list("shop_id", flat=True)
    rows = []
    for shop_id in shop_ids:
        rows += counter.redemption_list_recent(user=user, shop_id=shop_id)
    managed = set(
        Membership.objects.filter(user=user, role=Membership.Role.MANAGER).values_list("shop_id", flat=True)
    )
    window = timedelta(minutes=settings.REDEMPTION_UNDO_MINUTES)
    now = timezone.now()
    for row in rows:
        row.can_undo = (
            row.shop_id in managed
            and row.undone_at is None
            and not row.is_settled
            and now - row.redeemed_at <= window
            and row.booking.status == "paid"
        )
    return sorted(rows, key=lambda r: r.redeemed_at, reverse=True)


@_counter_staff
@require_http_methods(["GET", "POST"])
def redeem(request):
    """One page, two steps: the code → what it is for → confirm. Errors say what to do next."""
    context: dict = {"code": "", "voucher": None, "error": None}
    if request.method == "POST":
        code = request.POST.get("code", "")
        context["code"] = code
        try:
            if request.POST.get("step") == "redeem":
                redemption = counter.voucher_redeem_by_code(
                    user=request.user, code=code, request_id=request.POST.get("request_id", "")
                )
                messages.success(
                    request,
                    _("Redeemed: order %(number)s, %(plate)s.")
                    % {"number": redemption.booking.number, "plate": redemption.booking.vehicle.plate},
                )
                return redirect("console:booking", pk=redemption.booking_id)
            context["voucher"] = counter.voucher_lookup(user=request.user, code=code)
            context["request_id"] = uuid.uuid4().hex
        except DomainPermissionDenied as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except DomainError as exc:
            context["error"] = exc.message
            context["status"] = exc.status_code
    try:
        context["recent"] = _recent(request.user)
    except (NotFound, DomainPermissionDenied):
        context["recent"] = []
    return render(request, "payments/redeem.html", context, status=context.get("status", 200))


@_counter_staff
@require_POST
def undo(request, pk: int):
    try:
        counter.redemption_undo(user=request.user, redemption_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    except DomainPermissionDenied as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The redemption is undone; the voucher can be redeemed again."))
    return redirect("counter:redeem")
