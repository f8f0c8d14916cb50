"""The rules engine (docs/SAFETY.md): pure functions, no ORM, no network.

Save time — :func:`validation.automation_errors_for` compiles a platform's automations
(:mod:`classifications`, :mod:`conditions` + :mod:`predicates`, :mod:`actions` + :mod:`templates`,
:mod:`automations`) and applies gate 1 (:func:`safety.save_gate`).

Run time — :func:`automations.compile_automations` once per configuration, then
:func:`evaluate.evaluate` per item gives planned actions, each with its own rule's
:mod:`provenance`; every runner asks gate 2, :func:`safety.runtime_decision`, before an effect.
"""
