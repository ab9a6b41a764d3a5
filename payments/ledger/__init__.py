"""The double-entry ledger: chart of accounts, balanced journal entries, append-only lines.

``models`` holds the data, ``services`` every posting, ``selectors`` the balances; the decision
record ``docs/decisions/0005-ledger.md`` explains the chart, the signs and the guarantees.
"""
