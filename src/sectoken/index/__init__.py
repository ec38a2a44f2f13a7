"""An event index of a token suite in a SQL database (SQLite by default, PostgreSQL by URL).

Layer: between ``chain`` and ``jobs``: it reads the chain through ``sectoken.chain`` and decodes
with ``sectoken.abi``; ``jobs`` and ``cli`` read from it.

- ``schema``: the tables (SQLAlchemy Core): raw events, derived state, sync bookkeeping.
- ``derive``: how each event changes the derived tables (balances, registry records, roles,
  rules, frozen wallets, documents), with an undo log for blocks that may still be reorganised.
- ``sync``: incremental, resumable, idempotent and reorg-safe synchronisation from a node.
- ``queries``: the cap table, the registry view and the audit trail, as SQL over the index.
"""
