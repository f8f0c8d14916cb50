"""Executing actions: the ledger, scripts, services, result routing and undo."""
