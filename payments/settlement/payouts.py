"""Payout providers: how the platform sends a shop its money, and the sandbox that runs here.

A provider answers ``payout_send`` with a ``PayoutReport`` at once (the sandbox does) or ``None``
when the bank will report later through ``payments.settlement.services.payout_report``. Calls are
idempotent by ``ref`` (``payout:<id>:<attempt>``), so a retry after a crash pays once.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class PayoutReport:
    succeeded: bool
    provider_ref: str
    reason: str = ""


class PayoutProvider:
    code = "base"

    def payout_send(
        self, *, ref: str, amount: Decimal, currency: str, account_name: str, bank: str, account_number: str
    ) -> PayoutReport | None:
        raise NotImplementedError


class SandboxPayoutProvider(PayoutProvider):
    """Pays at once. It refuses, like a bank would, a shop without a payout account, and an account
    number starting with ``FAIL`` (so failures and retries can be shown and tested)."""

    code = "sandbox"

    def payout_send(self, *, ref, amount, currency, account_name, bank, account_number):
        provider_ref = f"sbx-{ref}"
        if not account_number or not account_name:
            return PayoutReport(False, provider_ref, "no payout account on file")
        if account_number.upper().startswith("FAIL"):
            return PayoutReport(False, provider_ref, "account rejected by the bank")
        return PayoutReport(True, provider_ref)


def payout_provider() -> PayoutProvider:
    return import_string(settings.PAYOUT_PROVIDER)()
