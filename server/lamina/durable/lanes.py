"""Execution lanes that a caller may borrow when they are idle.

The testing runner serializes everything done to one execution on that execution's lane (a
thread and a queue): a checkpoint handed to it wakes the lane's thread, which wakes the caller
back when it is done, two thread switches per checkpoint, which is most of a checkpoint's
time on a loaded machine. A lane here also runs a task in the caller's own thread when nothing
is queued on it or running: the same exclusion (one task of an execution at a time, in the
order they were submitted), without the switches.

    registry = BorrowingRegistry(store, scheduler)   # the executor's ExecutionRegistry
    value = registry.run_here(arn, task)              # NOT_HERE: the lane is busy, submit()
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Final, TypeVar

from aws_durable_execution_sdk_python_testing.worker.execution_worker import ExecutionWorker
from aws_durable_execution_sdk_python_testing.worker.lane import SerialTaskLane
from aws_durable_execution_sdk_python_testing.worker.registry import ExecutionRegistry
from aws_durable_execution_sdk_python_testing.worker.task import ExecutionTask

T = TypeVar("T")
NOT_HERE: Final = object()


class BorrowableLane(SerialTaskLane):
    """A SerialTaskLane whose idle turn a caller can take in its own thread."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name)
        self._turn = threading.Lock()  # held by whoever runs one of this lane's tasks
        self._pending = 0  # tasks submitted or borrowed and not yet finished

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        def counted() -> T:
            try:
                with self._turn:
                    return fn()
            finally:
                with self._stop_lock:
                    self._pending -= 1

        with self._stop_lock:
            if self._stopped:
                raise RuntimeError("SerialTaskLane is stopped")
            self._pending += 1
            future: Future[T] = Future()
            self._queue.put((counted, future))
        return future

    def run_here(self, fn: Callable[[], T]) -> T | object:
        """fn() in this thread if the lane is idle (else NOT_HERE); tasks submitted meanwhile
        wait for it, as they would wait for a task ahead of them on the lane."""
        with self._stop_lock:
            if self._stopped or self._pending:
                return NOT_HERE
            self._pending += 1
            self._turn.acquire()  # free: nothing is queued or running
        try:
            return fn()
        finally:
            self._turn.release()
            with self._stop_lock:
                self._pending -= 1


class BorrowingRegistry(ExecutionRegistry):
    """The runner's registry of execution workers, over borrowable lanes."""

    def get_or_create(self, execution_arn: str) -> ExecutionWorker:
        with self._lock:
            if self._shut_down:
                raise RuntimeError("execution registry is shut down")
            worker = self._workers.get(execution_arn)
            if worker is None:
                lane = BorrowableLane.create(name=f"execution-worker-{execution_arn}")
                worker = ExecutionWorker(execution_arn, self._store, self._scheduler, self, lane)
                self._workers[execution_arn] = worker
            return worker

    def run_here(self, execution_arn: str, task: ExecutionTask[T]) -> T | object:
        """The task, run in this thread on the execution's existing worker when its lane is
        idle; NOT_HERE otherwise (then submit() it)."""
        worker = self.get(execution_arn)
        lane: Any = getattr(worker, "_lane", None)
        if worker is None or not isinstance(lane, BorrowableLane):
            return NOT_HERE
        return lane.run_here(lambda: worker._run(task))
