"""Writes for vouchers: issue on payment, redeem exactly once at the shop, undo a redemption."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from common.errors import Conflict, NotFound
from common.sql import columns_as, fetch_instances, insert_columns, mark_saved, placeholders
from payments import codes
from payments.ledger import services as ledger
from payments.settlement.commission import commission_quote
from payments.settlement.services import redemption_settlement_hold
from payments.vouchers.models import Redemption, RedemptionAttempt, Voucher
from payments.vouchers.redeem_sql import redeem_in_one_statement


def voucher_issue(*, booking: Booking) -> Voucher:
    """Issue the voucher of a paid order (once: the booking is one-to-one with its voucher).

    Valid at the booked shop until ``VOUCHER_VALID_DAYS`` after the booked slot. The short code
    and QR token are generated here, stored encrypted, and found again only through their keyed
    hashes.
    """
    existing = Voucher.objects.filter(booking=booking).first()
    if existing is not None:
        return existing
    for _attempt in range(5):
        code, token = codes.short_code_new(), codes.qr_token_new()
        try:
            with transaction.atomic():
                return Voucher.objects.create(
                    booking=booking,
                    shop_id=booking.shop_id,
                    code_digest=codes.short_code_digest(code, shop_id=booking.shop_id),
                    qr_digest=codes.qr_token_digest(token),
                    code_encrypted=codes.secret_encrypt(code),
                    qr_encrypted=codes.secret_encrypt(token),
                    expires_at=booking.starts_at + timedelta(days=settings.VOUCHER_VALID_DAYS),
                )
        except IntegrityError:
            # a digest collision (about 1 in 2**55 per issued code): draw again
            if Voucher.objects.filter(booking=booking).exists():
                return Voucher.objects.get(booking=booking)
    raise RuntimeError("could not draw a unique voucher code")


def voucher_close(*, voucher: Voucher, to: str) -> Voucher:
    """An issued voucher ends as refunded or expired (its order's money goes back)."""
    if voucher.status != Voucher.Status.ISSUED:
        return voucher
    voucher.status = to
    voucher.save(update_fields=["status"])
    return voucher


def voucher_code(voucher: Voucher) -> str:
    """The short code for its owner's eyes, grouped for reading aloud."""
    return codes.short_code_display(codes.secret_decrypt(voucher.code_encrypted))


def voucher_qr_token(voucher: Voucher) -> str:
    return codes.secret_decrypt(voucher.qr_encrypted)


def voucher_valid_until(voucher: Voucher):
    return timezone.localtime(voucher.expires_at)


class VoucherNotRedeemable(Conflict):
    default_message = _("This voucher cannot be redeemed.")
    code = "not_redeemable"


class RedemptionNotUndoable(Conflict):
    default_message = _("This redemption can no longer be undone.")
    code = "not_undoable"


def _voucher_lock(*, column: str, values: list, staff, request_id: str) -> Voucher | None:
    """Lock the voucher whose ``column`` is one of ``values`` (its id, or the digests of a typed or
    scanned code) and its order, and read both: one ``SELECT … FOR UPDATE`` of the two rows.

    The rows come back as they are once locked (PostgreSQL re-reads a row that a concurrent
    transaction changed before handing over the lock), so the order read here is current. The
    statement also answers whether this staff member already used ``request_id`` (``replay_id``, a
    sub-select, which sees the data as of the statement's start). Written out because it runs on
    every redemption (decision 0014).
    """
    connection = connections[router.db_for_write(Voucher)]
    quote = connection.ops.quote_name
    vouchers, bookings = quote(Voucher._meta.db_table), quote(Booking._meta.db_table)
    redemptions = quote(Redemption._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT v.*, {columns_as(Booking, 'b', 'booking', connection)}, "  # noqa: S608 - names from _meta; values are params
        f"(SELECT r.id FROM {redemptions} r WHERE r.redeemed_by_id = %s AND r.request_id = %s "
        f"ORDER BY r.id LIMIT 1) AS replay_id "
        f"FROM {vouchers} v INNER JOIN {bookings} b ON b.id = v.booking_id "
        f"WHERE v.{quote(column)} IN ({placeholders(values)}) ORDER BY v.id LIMIT 1{lock}"
    )
    found = fetch_instances(
        Voucher, sql, [staff.pk, request_id, *values], using=connection.alias, related={"booking": Booking}
    )
    return found[0] if found else None


@transaction.atomic
def voucher_redeem(
    *,
    voucher_id: int,
    shop,
    staff,
    request_id: str,
    now=None,
    attempt: RedemptionAttempt | None = None,
) -> Redemption:
    """Redeem a voucher at its shop, exactly once; the same staff member's retry of the same
    ``request_id`` returns the first redemption instead of failing.

    The voucher row (and its booking) is locked first, so of two concurrent attempts one redeems
    and the other finds it redeemed (409). The money split is frozen here (``commission_quote``)
    and posted to the ledger (escrow → merchant payable + commission) in the same transaction.
    ``attempt``, the counter's unsaved log row of a successful try, is written in this
    transaction too (one commit for both).
    """
    voucher = _voucher_lock(column="id", values=[voucher_id], staff=staff, request_id=request_id)
    if voucher is None or voucher.shop_id != shop.pk:
        raise NotFound(_("No valid voucher with this code at this shop."))
    return _redeem_locked(voucher, shop=shop, staff=staff, request_id=request_id, now=now, attempt=attempt)


def voucher_redeem_code(
    *,
    code: codes.CodeDigests,
    shops,
    staff,
    request_id: str,
    now=None,
    attempt: RedemptionAttempt | None = None,
) -> Redemption:
    """``voucher_redeem`` of the voucher a typed or scanned code names, at whichever of ``shops``
    (where this person works the counter) it belongs to. ``attempt.shop_id`` becomes the voucher's
    shop once it is found (the log of a refusal too).

    On PostgreSQL the usual redemption is one statement in its own transaction
    (``redeem_sql.redeem_in_one_statement``, decision 0016); when that does not apply (a refusal, a
    replay, a service with its own commission rate, a ledger account not created yet) it wrote
    nothing, and the general path below runs.
    """
    now = now or timezone.now()
    redemption = redeem_in_one_statement(
        lookup=code.column,
        digests=code.digests,
        shops=shops,
        staff=staff,
        request_id=request_id,
        now=now,
        attempt=attempt,
        currency=settings.CURRENCY,
    )
    if redemption is not None:
        return redemption
    return _voucher_redeem_code_locked(
        code=code, shops=shops, staff=staff, request_id=request_id, now=now, attempt=attempt
    )


@transaction.atomic
def _voucher_redeem_code_locked(*, code: codes.CodeDigests, shops, staff, request_id: str, now, attempt):
    """The general path of ``voucher_redeem_code``: the look-up is the lock statement, so it finds,
    locks and reads the voucher and its order in one round trip."""
    voucher = _voucher_lock(column=code.column, values=code.digests, staff=staff, request_id=request_id)
    shop = next((shop for shop in shops if voucher is not None and shop.pk == voucher.shop_id), None)
    if shop is None:
        raise NotFound(_("No valid voucher with this code at this shop."))
    if attempt is not None:
        attempt.shop_id = shop.pk
    return _redeem_locked(voucher, shop=shop, staff=staff, request_id=request_id, now=now, attempt=attempt)


def _redeem_locked(voucher: Voucher, *, shop, staff, request_id: str, now, attempt) -> Redemption:
    """The redemption of a voucher locked with its order by ``_voucher_lock``, inside its transaction.

    On PostgreSQL the hot path is five statements between BEGIN and COMMIT (decision 0014): the
    lock, which also reads the order and finds a replayed ``request_id``; the commission rules
    (the order's lines only when a service has its own rate); the journal entry with its lines;
    the redemption with the voucher's new state and the attempt.
    """
    now = now or timezone.now()
    replay_id = voucher.replay_id
    if replay_id is None and voucher.status == Voucher.Status.REDEEMED:
        # The sub-select saw the data as of the lock statement's start: the same request may have
        # won the lock a moment ago. Ask again now that we hold the lock.
        mine = Redemption.objects.filter(redeemed_by=staff, request_id=request_id)
        replay_id = mine.values_list("pk", flat=True).first()
    if replay_id is not None:
        if attempt is not None:
            attempt.save()
        return Redemption.objects.select_related("redeemed_by").get(pk=replay_id)
    if voucher.status == Voucher.Status.REDEEMED:
        raise VoucherNotRedeemable(_("This voucher was already redeemed."), code="already_redeemed")
    booking = voucher.booking
    if (
        voucher.status != Voucher.Status.ISSUED
        or voucher.expires_at <= now
        or booking.status != Booking.Status.PAID
    ):
        raise VoucherNotRedeemable()
    split = commission_quote(shop=shop, booking=booking, at=now)
    # One redemption per (staff, request id) ever (a unique constraint): the key of its posting.
    entry = ledger.post_redemption(
        shop=shop,
        order_ref=str(booking.pk),
        gross_amount=booking.total_amount,
        commission_amount=split.commission_amount,
        subsidy_amount=split.subsidy_amount,
        idempotency_key=f"redemption:{voucher.pk}:{staff.pk}:{request_id}",
    )
    redemption = Redemption(
        voucher=voucher,
        booking=booking,
        shop=shop,
        redeemed_by=staff,
        request_id=request_id,
        redeemed_at=now,
        gross_amount=booking.total_amount,
        **split.frozen(),
        currency=booking.currency,
        ledger_entry=entry,
    )
    voucher.status = Voucher.Status.REDEEMED
    voucher.redeemed_at, voucher.redeemed_by = now, staff
    _write_redemption(redemption, voucher, attempt)
    return redemption


def _write_redemption(redemption: Redemption, voucher: Voucher, attempt: RedemptionAttempt | None) -> None:
    """Insert the redemption, mark the voucher redeemed, insert the counter's attempt row.

    On PostgreSQL one statement (a data-modifying ``WITH``; table and column names come from
    ``_meta``, the values from the unsaved instances as the ORM would prepare them, all passed as
    parameters); elsewhere three ORM writes.
    """
    connection = connections[router.db_for_write(Redemption)]
    if connection.vendor != "postgresql":
        redemption.save(force_insert=True)
        voucher.save(update_fields=["status", "redeemed_at", "redeemed_by"])
        if attempt is not None:
            attempt.save()
        return
    quote = connection.ops.quote_name
    redemptions, vouchers = quote(Redemption._meta.db_table), quote(Voucher._meta.db_table)
    attempts = quote(RedemptionAttempt._meta.db_table)
    columns, values, params = insert_columns(redemption, connection)
    steps = [f"redemption AS (INSERT INTO {redemptions} ({columns}) VALUES ({values}) RETURNING id)"]  # noqa: S608
    fields = [Voucher._meta.get_field(name) for name in ("status", "redeemed_at", "redeemed_by")]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    steps.append(f"voucher AS (UPDATE {vouchers} SET {assignments} WHERE id = %s RETURNING id)")  # noqa: S608
    params += [field.get_db_prep_save(field.pre_save(voucher, False), connection) for field in fields]
    params.append(voucher.pk)
    attempt_id = "NULL"
    if attempt is not None:
        columns, values, attempt_params = insert_columns(attempt, connection)
        steps.append(f"attempt AS (INSERT INTO {attempts} ({columns}) VALUES ({values}) RETURNING id)")  # noqa: S608
        params += attempt_params
        attempt_id = "(SELECT id FROM attempt)"
    sql = (
        f"WITH {', '.join(steps)} SELECT (SELECT id FROM redemption), (SELECT id FROM voucher), {attempt_id}"  # noqa: S608, E501
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        redemption_id, voucher_id, attempt_id = cursor.fetchone()
    if voucher_id != voucher.pk:  # pragma: no cover - the voucher is locked by this transaction
        raise RuntimeError(f"voucher {voucher.pk} was not marked redeemed")
    mark_saved(redemption, redemption_id, connection)
    if attempt is not None:
        mark_saved(attempt, attempt_id, connection)


@transaction.atomic
def voucher_redeem_undo(*, redemption_id: int, manager, now=None) -> Redemption:
    """Undo a redemption within ``REDEMPTION_UNDO_MINUTES`` and before settlement; the voucher is
    redeemable again and the ledger entry is reversed."""
    now = now or timezone.now()
    redemption = Redemption.objects.select_for_update().filter(pk=redemption_id).first()
    if redemption is None:
        raise NotFound()
    if (
        redemption.undone_at is not None
        or now - redemption.redeemed_at > timedelta(minutes=settings.REDEMPTION_UNDO_MINUTES)
        or redemption_settlement_hold(redemption)
    ):
        raise RedemptionNotUndoable()
    if (
        redemption.additional_work_id is not None
        or Redemption.objects.filter(voucher_id=redemption.voucher_id, additional_work__isnull=False).exists()
    ):
        # the order's paid extras were settled on top of this redemption: it stands
        raise RedemptionNotUndoable(
            _(
                "This redemption can no longer be undone: "
                "the owner has paid for additional work on this order."
            ),
            code="extras_paid",
        )
    voucher = Voucher.objects.select_for_update().get(pk=redemption.voucher_id)
    redemption.undo_ledger_entry = ledger.post_redemption_undo(
        redemption=redemption.ledger_entry, idempotency_key=f"redemption-undo:{redemption.pk}"
    )
    redemption.undone_at, redemption.undone_by = now, manager
    redemption.save(update_fields=["undone_at", "undone_by", "undo_ledger_entry"])
    voucher.status = Voucher.Status.ISSUED
    voucher.redeemed_at = voucher.redeemed_by = None
    voucher.save(update_fields=["status", "redeemed_at", "redeemed_by"])
    return redemption
