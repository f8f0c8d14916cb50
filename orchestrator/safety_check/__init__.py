"""``manage.py safety_check``: what could an attacker make your own rules do? (docs/SAFETY.md)

* :mod:`~orchestrator.safety_check.corpus` — the bundled adversarial items (prompt-injection mail,
  pull requests and issues), built with the plugins' own snapshot parsers;
* :mod:`~orchestrator.safety_check.steering` — classifier answers an attacker would steer to;
* :mod:`~orchestrator.safety_check.sources` — the rules to check, from the database or a file;
* :mod:`~orchestrator.safety_check.shadow` — the throwaway evaluation and its report. Pure: no
  database writes, no effects.
"""
