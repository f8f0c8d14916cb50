"""Django-Q2's cluster in two fewer processes: the sentinel is the supervisor's ``workers`` child
itself, and it drains the workers' results in its own guard loop instead of in a monitor process.

``manage.py qcluster`` runs a cluster process whose only job is to start the sentinel and turn
SIGTERM into a graceful stop, and a monitor process that reads the workers' result queue. Each is a
forked interpreter holding ~2–3 MiB of pages of its own at idle. Here the supervisor's child runs
:class:`Sentinel` directly, its SIGTERM/SIGINT handler only sets a flag (:class:`StopFlag`) that
the guard loop sees within one cycle (0.5 s), and :class:`ResultDrain` stands in for the monitor.

What stays Django-Q2's: the pusher (our :class:`~orchestrator.queue.broker.TaskTableBroker`), the
workers, per-task timeouts, reincarnating a dead or timed-out worker, and the graceful stop order
(pusher, then workers, then the results). ``--dev`` still execs ``manage.py qcluster``.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import time
import uuid
from multiprocessing.queues import Queue
from types import FrameType
from typing import Any

from django_q.brokers import Broker
from django_q.cluster import Sentinel as DjangoQSentinel
from django_q.monitor import save_cached, save_task
from django_q.signals import post_execute
from django_q.utils import get_func_repr

logger = logging.getLogger(__name__)

FLAG_TICK_S = 0.05


class StopFlag:
    """The sentinel's stop and start events, as plain flags.

    Set from a signal handler, a ``multiprocessing.Event`` can deadlock (the handler may interrupt
    the main thread while it holds the event's lock), which is why Django-Q2 keeps a separate
    cluster process to receive the signal. Setting an attribute takes no lock. Only this process
    reads them: Django-Q2 passes neither event to the processes it forks.
    """

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._set and (deadline is None or time.monotonic() < deadline):
            time.sleep(FLAG_TICK_S)
        return self._set


def result_record(task: dict[str, Any], broker: Broker) -> None:
    """What Django-Q2's monitor does with one worker result (``django_q.monitor.monitor``).

    Our packages say ``save: False`` (outcomes live on the Task row), so only failures are stored.
    """
    if task.get("cached", False):
        save_cached(task, broker)
    else:
        save_task(task, broker)
    ack_id = task.pop("ack_id", False)
    if ack_id and (task["success"] or task.get("ack_failure", False)):
        broker.acknowledge(ack_id)
    post_execute.send(sender="django_q", task=task)
    if not task["success"]:
        logger.error("Failed '%s' (%s) - %s", get_func_repr(task["func"]), task["name"], task["result"])


class ResultDrain:
    """The monitor's work, done in the sentinel: reads every result the workers put so far.

    Django-Q2's sentinel asks ``monitor.is_alive()`` on every guard cycle, and its status (saved on
    every cycle and while stopping) asks again, so that is where the results are drained; the
    ``STOP`` the sentinel puts last ends it. A worker's result waits at most one cycle (0.5 s) in a
    pipe buffer, which it fits: workers put one small result per task.
    """

    def __init__(self, result_queue: Queue[Any], broker: Broker):
        self.result_queue = result_queue
        self.broker = broker
        self.pid = os.getpid()
        self.name = "result-drain"
        self._stopped = False
        # Stopping, the sentinel closes the queue right after its STOP — in Django-Q2's layout the
        # monitor reads it in a process of its own. Here closing also closes our reading end, so
        # what the last workers put is read first.
        close = result_queue.close

        def drain_then_close() -> None:
            self.drain()
            close()
            self._stopped = True

        result_queue.close = drain_then_close  # type: ignore[method-assign]

    def is_alive(self) -> bool:
        self.drain()
        return not self._stopped

    def drain(self) -> None:
        while not self._stopped:
            try:
                task = self.result_queue.get(block=False)
            except queue.Empty:
                return
            except (ValueError, OSError):  # closed: nothing more will come
                self._stopped = True
                return
            if task == "STOP":
                self._stopped = True
                return
            try:
                result_record(task, self.broker)
            except Exception:  # one unrecordable result must not stop the cluster
                logger.exception("could not record a worker result")


class Sentinel(DjangoQSentinel):
    """Django-Q2's sentinel with the monitor folded in (:class:`ResultDrain`)."""

    def spawn_monitor(self) -> Any:
        return ResultDrain(self.result_queue, self.broker)


def run() -> int:
    """The cluster, as the calling process: returns once it has stopped (SIGTERM or SIGINT)."""
    stop, started = StopFlag(), StopFlag()
    sentinel = Sentinel(stop, started, uuid.uuid4(), start=False)

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # After Sentinel.__init__, which ignores SIGINT and restores the default SIGTERM (death).
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    sentinel.start()
    return 0
