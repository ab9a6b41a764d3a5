"""Settlement: commission, statements per shop and cycle, payouts, reconciliation."""
