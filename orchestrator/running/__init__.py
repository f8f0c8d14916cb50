"""Running an integration: triggers, schedules, following a run, and a run's bookkeeping.

``triggers`` starts runs (API, CLI, scheduler), ``schedules`` keeps Django-Q2 schedules in step with
the configuration, ``config`` is what follows a saved or deleted integration, ``runs`` holds the run
counters and settling, ``follow`` drives ``manage.py run_integration``.
"""
