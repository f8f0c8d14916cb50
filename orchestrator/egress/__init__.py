"""What leaves this machine: the egress ledger, its scope, and redaction before a remote call.

* :mod:`orchestrator.egress.scope` — who is sending (item, integration, purpose) for the one
  outbound seam that records it;
* :mod:`orchestrator.egress.ledger` — :func:`egress_record`, one row per request, never content;
* :mod:`orchestrator.egress.redaction` — ``redact`` rules (``emails``, ``phone_numbers``, ``urls``,
  custom regexes) and their validation;
* :mod:`orchestrator.egress.sections` — an item's classifier input by field, for ``send_fields``;
* :mod:`orchestrator.egress.policy` — a profile's ``send_fields`` + ``redact`` applied to a prompt.
"""
