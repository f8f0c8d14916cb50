"""The priority queue: one door in (:func:`enqueue`), one Task table, Django-Q2 workers."""

from orchestrator.queue.enqueue import enqueue
from orchestrator.queue.handlers import task_handler

__all__ = ["enqueue", "task_handler"]
