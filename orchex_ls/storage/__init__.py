"""Persistent state of the orchestrator: one SQLite database per state dir.

``db.py`` opens it (WAL, busy timeout, versioned migrations), ``owners.py`` tells live
processes from dead ones, ``store.py`` reads and writes tasks, attempts, agent statistics,
the budget ledger and the audit log. Nothing here imports the layers above it.
"""
