"""The operator web UI under ``/ui/``: dashboard, items, approvals, queue, audit log (docs/UI.md)."""
