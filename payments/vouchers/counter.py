"""The shop counter: find a voucher by its typed code or scanned QR token, redeem it, undo it.

Every look-up and redemption is logged (``RedemptionAttempt``); failures are counted per staff
member and per shop over the last minute, and past the limit the counter answers 429 before
touching any code (against guessing). The log rows are written outside the redemption's
transaction so a refused attempt still counts.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from bookings.selectors import ROLES_COUNTER, ROLES_MANAGER, membership_get
from common.errors import Conflict, DomainError, NotFound
from payments import codes
from payments.settlement.selectors import redemption_is_settled
from payments.vouchers import services
from payments.vouchers.models import Redemption, RedemptionAttempt, Voucher
from shops.models import Membership


class TooManyAttempts(DomainError):
    status_code = 429
    default_message = _("Too many wrong codes in a minute. Wait a minute, then try again.")
    code = "throttled"


@dataclass(frozen=True)
class Found:
    voucher: Voucher
    membership: Membership


def _counter_memberships(user, shop_id: int | None) -> list[Membership]:
    if shop_id is not None:
        return [membership_get(user=user, shop_id=shop_id, roles=ROLES_COUNTER)]
    memberships = list(Membership.objects.filter(user=user).select_related("shop").order_by("shop_id"))
    if not memberships:
        raise NotFound()
    allowed = [m for m in memberships if m.role in ROLES_COUNTER]
    if not allowed:
        membership_get(user=user, shop_id=memberships[0].shop_id, roles=ROLES_COUNTER)  # raises 403
    return allowed


def _throttle(*, user, memberships: list[Membership], now) -> None:
    """One query: this person's failures and (when they work at one shop) the shop's, last minute."""
    since = now - timedelta(minutes=1)
    shop_ids = [m.shop_id for m in memberships]
    shop_id = shop_ids[0] if len(shop_ids) == 1 else None
    failures = RedemptionAttempt.objects.filter(created_at__gte=since, is_failure=True).filter(
        Q(staff=user) | Q(shop_id=shop_id)
    )
    counts = failures.aggregate(
        staff=Count("pk", filter=Q(staff=user)), shop=Count("pk", filter=Q(shop_id=shop_id))
    )
    if (
        counts["staff"] >= settings.REDEEM_FAILURES_PER_MINUTE_STAFF
        or counts["shop"] >= settings.REDEEM_FAILURES_PER_MINUTE_SHOP
    ):
        raise TooManyAttempts()


#: Outcomes that look like guessing. A real code that is already used (409) is logged, not counted.
GUESSES = frozenset({"not_found", "invalid_code"})


def _log(*, user, shop_id: int, step: str, outcome: str, now) -> None:
    RedemptionAttempt.objects.create(
        staff=user, shop_id=shop_id, step=step, outcome=outcome, is_failure=outcome in GUESSES, created_at=now
    )


def _find(code: str, memberships: list[Membership]) -> Found:
    typed = (code or "").strip()
    if not typed:
        raise codes.InvalidCode(_("Type or scan the voucher code."))
    by_shop = {m.shop_id: m for m in memberships}
    try:
        normal = codes.short_code_normalise(typed)
    except codes.InvalidCode:
        if len(typed) < 20:  # too short for a QR token: a mistyped short code
            raise
        voucher = Voucher.objects.filter(qr_digest=codes.qr_token_digest(typed)).first()
    else:
        digests = {codes.short_code_digest(normal, shop_id=shop_id): shop_id for shop_id in by_shop}
        voucher = Voucher.objects.filter(code_digest__in=list(digests)).first()
    if voucher is None or voucher.shop_id not in by_shop:
        raise NotFound(_("No valid voucher with this code at this shop."))
    return Found(voucher=voucher, membership=by_shop[voucher.shop_id])


def _attempt(*, user, code: str, shop_id: int | None, step: str, now, act):
    memberships = _counter_memberships(user, shop_id)
    _throttle(user=user, memberships=memberships, now=now)
    log_shop = memberships[0].shop_id
    try:
        found = _find(code, memberships)
        log_shop = found.voucher.shop_id
        result = act(found)
    except DomainError as exc:
        _log(user=user, shop_id=log_shop, step=step, outcome=exc.code, now=now)
        raise
    _log(user=user, shop_id=log_shop, step=step, outcome="ok", now=now)
    return result


def voucher_lookup(*, user, code: str, shop_id: int | None = None, now=None) -> Voucher:
    """Step one at the counter: what is this code for? (The car, the work, the price, validity.)"""
    now = now or timezone.now()

    def act(found: Found) -> Voucher:
        return (
            Voucher.objects.select_related(
                "shop",
                "booking__vehicle",
                "booking__variant__model__brand",
                "booking__package",
                "redeemed_by",
            )
            .prefetch_related("booking__lines")
            .get(pk=found.voucher.pk)
        )

    return _attempt(user=user, code=code, shop_id=shop_id, step="lookup", now=now, act=act)


def voucher_redeem_by_code(
    *, user, code: str, request_id: str, shop_id: int | None = None, now=None
) -> Redemption:
    """Step two: redeem the code, exactly once (``services.voucher_redeem`` locks the voucher);
    a retry with the same ``request_id`` by the same person returns the first redemption."""
    now = now or timezone.now()
    if not request_id:
        raise DomainError(_("A request id is missing. Reload the page and try again."), code="no_request_id")

    def act(found: Found) -> Redemption:
        return services.voucher_redeem(
            voucher_id=found.voucher.pk,
            shop=found.membership.shop,
            staff=user,
            request_id=request_id[:64],
            now=now,
        )

    return _attempt(user=user, code=code, shop_id=shop_id, step="redeem", now=now, act=act)


def redemption_undo(*, user, redemption_id: int, now=None) -> Redemption:
    """A manager of the voucher's shop undoes a redemption within the hour, before check-in and
    before settlement; the voucher is redeemable again."""
    redemption = Redemption.objects.select_related("booking").filter(pk=redemption_id).first()
    if redemption is None:
        raise NotFound()
    membership_get(user=user, shop_id=redemption.shop_id, roles=ROLES_MANAGER)
    if redemption.booking.status != Booking.Status.PAID:
        raise Conflict(
            _("The car is already checked in; this redemption can no longer be undone."), code="not_undoable"
        )
    return services.voucher_redeem_undo(redemption_id=redemption.pk, manager=user, now=now)


def redemption_list_recent(*, user, shop_id: int) -> list[Redemption]:
    """The shop's redemptions of the last day, newest first (for the counter's undo list)."""
    membership_get(user=user, shop_id=shop_id, roles=ROLES_COUNTER)
    since = timezone.now() - timedelta(days=1)
    return list(
        Redemption.objects.filter(shop_id=shop_id, redeemed_at__gte=since)
        .annotate(is_settled=redemption_is_settled())
        .select_related("booking__vehicle", "redeemed_by")
        .order_by("-redeemed_at")[:50]
    )
