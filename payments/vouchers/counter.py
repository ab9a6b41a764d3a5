"""The shop counter: find a voucher by its typed code or scanned QR token, redeem it, undo it.

Every look-up and redemption is logged (``RedemptionAttempt``); failures are counted per staff
member and per shop over the last minute, and past the limit the counter answers 429 before
touching any code (against guessing). A refused attempt is logged outside the redemption's
transaction (after its rollback) so it still counts; a successful redemption writes its row inside
that transaction, with one commit for both.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from bookings.selectors import ROLES_COUNTER, ROLES_MANAGER, membership_get
from common.errors import Conflict, DomainError, NotFound, PermissionDenied
from common.sql import fetch_instances, placeholders
from payments import codes
from payments.settlement.selectors import redemption_is_settled
from payments.vouchers import services
from payments.vouchers.models import EXTRA_REQUEST_ID_PREFIX, Redemption, RedemptionAttempt, Voucher
from shops.models import Membership, Shop


class TooManyAttempts(DomainError):
    status_code = 429
    default_message = _("Too many wrong codes in a minute. Wait a minute, then try again.")
    code = "throttled"


@dataclass(frozen=True)
class Found:
    voucher_id: int
    shop: Shop


def _counter_shops(user, shop_id: int | None, *, now) -> list[Shop]:
    """The shops where the user may work the counter (``shop_id`` alone when given): none is 404,
    a role too low is 403.

    One statement, written out because it runs on every code typed at a counter (decision 0014):
    each shop row carries the user's role there (``counter_role``) and the last minute's guessing
    failures by this person (``staff_failures``) and at that shop (``shop_failures``), the
    throttle's input.
    """
    if not user.is_authenticated:
        raise NotFound()
    connection = connections[router.db_for_read(Shop)]
    quote = connection.ops.quote_name
    shops, members = quote(Shop._meta.db_table), quote(Membership._meta.db_table)
    attempts = quote(RedemptionAttempt._meta.db_table)
    since = connection.ops.adapt_datetimefield_value(now - timedelta(minutes=1))
    # TRUE written out, not a parameter: the partial indexes on failures must match at planning
    recent = f"SELECT COUNT(*) FROM {attempts} a WHERE a.is_failure = TRUE AND a.created_at >= %s"  # noqa: S608
    sql = (
        f"SELECT s.*, m.role AS counter_role, "  # noqa: S608 - names from _meta; values are params
        f"({recent} AND a.staff_id = %s) AS staff_failures, "
        f"({recent} AND a.shop_id = s.id) AS shop_failures "
        f"FROM {members} m INNER JOIN {shops} s ON s.id = m.shop_id WHERE m.user_id = %s"
    )
    params = [since, user.pk, since, user.pk]  # staff_failures, shop_failures, WHERE
    if shop_id is not None:
        sql, params = f"{sql} AND m.shop_id = %s", [*params, shop_id]
    rows = fetch_instances(Shop, f"{sql} ORDER BY s.id", params, using=connection.alias)
    if not rows:
        raise NotFound()
    allowed = [shop for shop in rows if shop.counter_role in ROLES_COUNTER]
    if not allowed:
        raise PermissionDenied()
    return allowed


def _throttle(*, shops: list[Shop]) -> None:
    """This person's failures and (when they work at one shop) the shop's, in the last minute."""
    staff_failures = shops[0].staff_failures
    shop_failures = shops[0].shop_failures if len(shops) == 1 else 0
    if (
        staff_failures >= settings.REDEEM_FAILURES_PER_MINUTE_STAFF
        or shop_failures >= settings.REDEEM_FAILURES_PER_MINUTE_SHOP
    ):
        raise TooManyAttempts()


#: Outcomes that look like guessing. A real code that is already used (409) is logged, not counted.
GUESSES = frozenset({"not_found", "invalid_code"})


def _attempt_row(*, user, shop_id: int, step: str, outcome: str, now) -> RedemptionAttempt:
    return RedemptionAttempt(
        staff=user, shop_id=shop_id, step=step, outcome=outcome, is_failure=outcome in GUESSES, created_at=now
    )


def _log(*, user, shop_id: int, step: str, outcome: str, now) -> None:
    _attempt_row(user=user, shop_id=shop_id, step=step, outcome=outcome, now=now).save()


def _find(code: str, shops: list[Shop]) -> Found:
    """The voucher a typed short code (bound to one of ``shops``) or a scanned QR token names."""
    lookup = codes.code_digests(code, shop_ids=[shop.pk for shop in shops])
    connection = connections[router.db_for_read(Voucher)]
    quote = connection.ops.quote_name
    sql = (
        f"SELECT id, shop_id FROM {quote(Voucher._meta.db_table)} "  # noqa: S608 - names from _meta; values are params
        f"WHERE {quote(lookup.column)} IN ({placeholders(lookup.digests)}) ORDER BY id LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, lookup.digests)
        row = cursor.fetchone()
    by_shop = {shop.pk: shop for shop in shops}
    if row is None or row[1] not in by_shop:
        raise NotFound(_("No valid voucher with this code at this shop."))
    return Found(voucher_id=row[0], shop=by_shop[row[1]])


def _attempt(*, user, shop_id: int | None, step: str, now, act):
    """Throttle, ``act(shops, ok_row)``, log the outcome.

    ``ok_row`` is the unsaved log row of a success, at the first of the counter's ``shops`` until
    ``act`` finds the voucher and sets its shop (a refusal is logged at that shop too). ``act`` may
    write ``ok_row`` inside its own transaction and return True as its second value; otherwise the
    row is saved here. A refusal is logged after its transaction rolled back, so it counts.
    """
    shops = _counter_shops(user, shop_id, now=now)
    _throttle(shops=shops)
    ok_row = _attempt_row(user=user, shop_id=shops[0].pk, step=step, outcome="ok", now=now)
    try:
        result, logged = act(shops, ok_row)
    except DomainError as exc:
        _log(user=user, shop_id=ok_row.shop_id, step=step, outcome=exc.code, now=now)
        raise
    if not logged:
        ok_row.save()
    return result


def voucher_lookup(*, user, code: str, shop_id: int | None = None, now=None) -> Voucher:
    """Step one at the counter: what is this code for? (The car, the work, the price, validity.)"""
    now = now or timezone.now()

    def act(shops: list[Shop], ok_row: RedemptionAttempt) -> tuple[Voucher, bool]:
        found = _find(code, shops)
        ok_row.shop_id = found.shop.pk
        voucher = (
            Voucher.objects.select_related(
                "shop",
                "booking__vehicle",
                "booking__variant__model__brand",
                "booking__package",
                "redeemed_by",
            )
            .prefetch_related("booking__lines")
            .get(pk=found.voucher_id)
        )
        return voucher, False

    return _attempt(user=user, shop_id=shop_id, step="lookup", now=now, act=act)


def voucher_redeem_by_code(
    *, user, code: str, request_id: str, shop_id: int | None = None, now=None
) -> Redemption:
    """Step two: redeem the code, exactly once (``services.voucher_redeem_code`` locks the voucher);
    a retry with the same ``request_id`` by the same person returns the first redemption."""
    now = now or timezone.now()
    if not request_id or request_id.startswith(EXTRA_REQUEST_ID_PREFIX):
        # reserved: an extra's settlement line carries it, and would answer as a "replay"
        raise DomainError(_("A request id is missing. Reload the page and try again."), code="no_request_id")

    def act(shops: list[Shop], ok_row: RedemptionAttempt) -> tuple[Redemption, bool]:
        # the code's look-up is the voucher's lock: found, locked and read in one statement
        redemption = services.voucher_redeem_code(
            code=codes.code_digests(code, shop_ids=[shop.pk for shop in shops]),
            shops=shops,
            staff=user,
            request_id=request_id[:64],
            now=now,
            attempt=ok_row,  # written in the redemption's transaction: one commit, not two
        )
        return redemption, True

    return _attempt(user=user, shop_id=shop_id, step="redeem", now=now, act=act)


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
