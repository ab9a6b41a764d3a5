"""Ledger refusals: each is a DomainError, and a refused posting writes nothing."""

from django.utils.translation import gettext_lazy as _

from common.errors import Conflict, DomainError


class InvalidEntry(DomainError):
    """The lines do not make a valid entry (too few, zero, not exact to the fen, mixed currency)."""

    default_message = _("The ledger entry is not valid.")
    code = "ledger_invalid_entry"


class UnbalancedEntry(InvalidEntry):
    """Debits and credits differ: the lines do not sum to exactly zero."""

    default_message = _("The ledger entry does not balance: its lines must sum to zero.")
    code = "ledger_unbalanced"


class IdempotencyKeyReused(Conflict):
    """The key was already used for a different posting; the stored entry is left as it was."""

    default_message = _("This idempotency key was already used for a different ledger entry.")
    code = "ledger_idempotency_key_reused"


class AlreadyReversed(Conflict):
    """An entry is reversed at most once."""

    default_message = _("This ledger entry has already been reversed.")
    code = "ledger_already_reversed"


class NotReversible(Conflict):
    """A reversing entry is not itself reversed; post the original movement again instead."""

    default_message = _("A reversal cannot be reversed; post the original movement again.")
    code = "ledger_not_reversible"


class InsufficientPayable(Conflict):
    """A payout may not exceed what the platform owes the shop."""

    default_message = _("The payout exceeds the amount payable to the shop.")
    code = "ledger_insufficient_payable"
