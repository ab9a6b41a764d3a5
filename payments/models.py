"""Payments data, registered here from the modules that own it: the ledger, checkout, vouchers."""

from payments.checkout.models import Payment, ProviderEvent, Refund, SandboxCharge
from payments.ledger.models import JournalEntry, JournalLine, LedgerAccount
from payments.vouchers.models import Redemption, RedemptionAttempt, Voucher

__all__ = [
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
