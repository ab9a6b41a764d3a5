"""Payments data: the ledger models live in ``payments.ledger.models`` and are registered here."""

from payments.ledger.models import JournalEntry, JournalLine, LedgerAccount

__all__ = ["JournalEntry", "JournalLine", "LedgerAccount"]
