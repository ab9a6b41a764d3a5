"""The commission reconciliation of a period as CSV rows (the page's download and the API's)."""

import csv
import io

from django.utils.translation import gettext as _

from payments.settlement.selectors import Reconciliation


def reconciliation_csv(recon: Reconciliation) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("period end"),
            _("shop id"),
            _("shop"),
            _("city"),
            _("period start"),
            _("redemptions"),
            _("order totals"),
            _("commission"),
            _("campaign subsidies"),
            _("merchant earnings"),
            _("penalties"),
            _("carried over"),
            _("net"),
            _("payout"),
            _("payout status"),
            _("ledger: merchant earnings"),
            _("ledger: commission"),
            _("ledger: penalties"),
            _("ledger: paid out"),
            _("difference"),
        ]
    )
    for row in recon.rows:
        s = row.statement
        writer.writerow(
            [
                s.period_end.isoformat(),
                s.shop_id,
                s.shop.name,
                s.shop.district.city_zh if s.shop.district_id else "",
                s.period_start.isoformat(),
                s.redemption_count,
                s.gross_amount,
                s.commission_amount,
                s.subsidy_amount,
                s.merchant_amount,
                s.penalty_amount,
                s.opening_amount,
                s.net_amount,
                row.payout_amount,
                row.payout_status,
                row.ledger_merchant,
                row.ledger_commission,
                row.ledger_penalty,
                row.ledger_paid_out,
                row.difference + row.payout_difference,
            ]
        )
    return out.getvalue()
