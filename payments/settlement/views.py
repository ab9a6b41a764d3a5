"""Settlement pages: runs and their progress, reconciliation per period (drill-down, charts, CSV)
for platform admins; a shop's statements for its manager."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import DomainError, NotFound
from common.errors import PermissionDenied as DomainPermissionDenied
from payments.settlement import selectors, services
from payments.settlement.csv_export import reconciliation_csv
from payments.settlement.models import Payout
from shops.models import Shop


def _admin_only(request) -> None:
    if not request.user.is_platform_admin:
        raise PermissionDenied


def _period(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Http404 from exc


@login_required
@require_http_methods(["GET", "POST"])
def runs(request):
    """Settlement runs: start one by hand, watch it run (htmx polls the progress)."""
    _admin_only(request)
    if request.method == "POST":
        try:
            period_end = date.fromisoformat(request.POST.get("period_end", ""))
        except ValueError:
            period_end = None
        try:
            services.settlement_run_start(period_end=period_end, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The settlement run has started."))
        return redirect("settlement:runs")
    context = {
        "runs": selectors.settlement_run_list()[:20],
        "default_period": services.settlement_default_period(),
        "open_payouts": selectors.payout_list().filter(
            status__in=(Payout.Status.FAILED, Payout.Status.HELD, Payout.Status.PENDING)
        )[:30],
    }
    return render(request, "settlement/runs.html", context)


PAYOUT_ACTIONS = {
    "hold": services.payout_hold,
    "release": services.payout_release,
    "retry": services.payout_retry,
}


@login_required
@require_POST
def payout_action(request, payout_id: int):
    """Hold a payout, release a held one, or retry a failed one now."""
    _admin_only(request)
    action = PAYOUT_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        raise Http404
    try:
        payout = action(payout_id=payout_id)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Payout #%(id)s: %(status)s.") % {"id": payout.pk, "status": payout.get_status_display()},
        )
    return redirect("settlement:runs")


@login_required
def run_progress(request, run_id: int):
    _admin_only(request)
    run = selectors.settlement_run_list().filter(pk=run_id).first()
    if run is None:
        raise Http404
    return render(request, "settlement/_run_row.html", {"run": run})


@login_required
def reconciliation_latest(request):
    _admin_only(request)
    periods = selectors.settlement_periods(limit=1)
    if not periods:
        return render(request, "settlement/reconciliation_empty.html", {})
    return redirect("settlement:reconciliation", period=periods[0].isoformat())


@login_required
def reconciliation(request, period: str):
    """Totals of a period and each shop's statement against the ledger; difference shown."""
    _admin_only(request)
    period_end = _period(period)
    context = {
        "recon": selectors.reconciliation_for_period(period_end),
        "periods": selectors.settlement_periods(),
        "by_day": selectors.commission_by_day(period_end),
        "by_city": selectors.commission_by_city(period_end),
    }
    return render(request, "settlement/reconciliation.html", context)


@login_required
def reconciliation_shop(request, period: str, shop_id: int):
    """The orders behind one shop's numbers of a period, with their ledger entries."""
    _admin_only(request)
    statement = selectors.statement_list_for_period(_period(period)).filter(shop_id=shop_id).first()
    if statement is None:
        raise Http404
    context = {
        "statement": statement,
        "redemptions": selectors.statement_redemptions(statement),
        "penalties": statement.penalties.all(),
    }
    return render(request, "settlement/reconciliation_shop.html", context)


@login_required
def reconciliation_csv_download(request, period: str):
    _admin_only(request)
    period_end = _period(period)
    body = reconciliation_csv(selectors.reconciliation_for_period(period_end))
    response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="commissions-{period_end.isoformat()}.csv"'
    return response


@login_required
def shop_statements(request, shop_id: int):
    """A shop's statements for its manager, each with its orders (same lines as reconciliation)."""
    try:
        shop, statements = selectors.statement_list_for_manager(user=request.user, shop_id=shop_id)
    except NotFound as exc:
        raise Http404 from exc
    except DomainPermissionDenied as exc:
        raise PermissionDenied from exc
    statements = list(statements[:30])
    selected = None
    wanted = request.GET.get("statement")
    if wanted and wanted.isdigit():
        selected = next((s for s in statements if s.pk == int(wanted)), None)
    selected = selected or (statements[0] if statements else None)
    context = {
        "shop": Shop.objects.select_related("district").get(pk=shop.pk),
        "statements": statements,
        "selected": selected,
        "redemptions": selectors.statement_redemptions(selected) if selected else [],
        "tab": "statements",
        "today": timezone.localdate(),
    }
    return render(request, "settlement/shop_statements.html", context)
