"""Payments data, registered here from the modules that own it: the ledger, checkout, vouchers."""

from payments.checkout.models import Payment, ProviderEvent, Refund, SandboxCharge
from payments.ledger.models import JournalEntry, JournalLine, LedgerAccount
from payments.settlement.models import CommissionRule, Payout, Penalty, SettlementRun, Statement
from payments.vouchers.models import Redemption, RedemptionAttempt, Voucher

__all__ = [
    "CommissionRule",
    "Payout",
    "Penalty",
    "SettlementRun",
    "Statement",
    "JournalEntry",
    "JournalLine",
    "LedgerAccount",
    "Payment",
    "ProviderEvent",
    "Redemption",
    "RedemptionAttempt",
    "Refund",
    "SandboxCharge",
    "Voucher",
]
