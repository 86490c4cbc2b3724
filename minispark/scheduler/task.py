"""Tasks: the unit of work, one per partition, run inside a worker process.

Read this file to see what a worker does with a task, step by step:

  1. deserialise the stage's *task binary* (the RDD pipeline and, for a map
     task, the ShuffleDependency; for a result task, the action's function).
     The driver serialises it once per stage and each worker keeps it, so only
     the partition and a few ids travel with every task (Spark's taskBinary).
  2. call ``rdd.iterator(partition)``: a chain of lazy iterators back to the
     stage's input (a file split, a slice, cached blocks or shuffle blocks).
  3. ShuffleMapTask: stream the records into shuffle files, return a MapStatus.
     ResultTask: apply the action's function, return its pickled result.
  4. send back the result with the task's metrics and cache updates; or, if
     user code raised, the user's exception with only the user's own frames.

Next: worker.py (the loop around this) and executor.py (the driver's side).
"""

from __future__ import annotations

import os
import pickle
import time
import traceback
from typing import Any

import cloudpickle

from minispark.accumulators import collect_task_updates, reset_task_updates
from minispark.errors import FetchFailedError
from minispark.scheduler.taskbinary import loads_task
from minispark.shuffle import shuffle_file, write_shuffle_output
from minispark.taskcontext import TaskContext
from minispark.util import is_internal_file


class WorkerState:
    """What a worker keeps between tasks: its id, block store, task binaries."""

    def __init__(self, worker_id: str, local_dir: str, shuffle_dir: str, block_manager: Any,
                 serializer: Any = None):
        self.worker_id = worker_id
        self.serializer = serializer  # the context's data serializer (serializers.py)
        self.local_dir = local_dir
        self.shuffle_dir = shuffle_dir
        self.block_manager = block_manager
        self.binaries: dict[tuple, Any] = {}


def run_task(msg: dict, state: WorkerState) -> dict:
    """Run one task attempt described by ``msg``; always returns a reply dict."""
    start = time.perf_counter()
    key = msg["binary_key"]
    if msg.get("binary") is not None:
        state.binaries[key] = loads_task(msg["binary"])
    rdd, payload = state.binaries[key]
    context_class = TaskContext
    if msg.get("barrier") is not None:  # a barrier stage's task (barrier.py)
        from minispark.barrier import BarrierTaskContext as context_class
    context = context_class(msg["stage_id"], msg["partition"], msg["attempt"], msg["task_id"],
                            msg.get("properties"))
    context.barrier_info = msg.get("barrier")
    context.block_manager = state.block_manager
    context.serializer = state.serializer
    context.map_statuses = msg["map_statuses"]
    context.memory_budget = msg["memory_budget"]
    context.spill_dir = state.local_dir
    metrics = context.metrics
    metrics.task_binary_bytes = len(msg.get("binary") or b"")
    metrics.executor_deserialize_time = time.perf_counter() - start
    state.block_manager.updates = []
    reset_task_updates()
    TaskContext._current = context
    run_start = time.perf_counter()
    try:
        records = rdd.iterator(loads_task(msg["split"]), context)
        if msg["kind"] == "map":
            path = shuffle_file(state.shuffle_dir, payload.shuffle_id, msg["partition"],
                                msg["task_id"])
            value: Any = write_shuffle_output(records, payload, msg["partition"], context, path)
            result = None
        else:
            value = payload(records)
            result = _serialize_result(value, metrics)
            value = None
        if msg.get("fault"):
            _inject_fault(msg)
    except FetchFailedError as e:
        return {"status": "fetch_failed", "shuffle_id": e.shuffle_id, "map_id": e.map_id,
                "path": e.path, "message": str(e), "metrics": metrics}
    except BaseException as e:  # noqa: BLE001 - any failure of user code is reported
        return {"status": "error", **describe_exception(e), "metrics": metrics}
    finally:
        TaskContext._current = None
        metrics.executor_run_time = time.perf_counter() - run_start
    return {"status": "ok", "result": result, "map_status": value, "metrics": metrics,
            "block_updates": state.block_manager.updates,
            "accumulator_updates": collect_task_updates()}


def _inject_fault(msg: dict) -> None:
    """A fault chosen by the driver's FaultInjector (faults.py): the work is done
    but will never be reported."""
    if msg["fault"] == "kill":
        os._exit(1)  # the worker dies: the driver sees its socket close
    from minispark.faults import InjectedFault
    raise InjectedFault(f"injected failure of task {msg['partition']} (attempt "
                        f"{msg['attempt']}) in stage {msg['stage_id']}, by sc.faults "
                        "(minispark's fault injection)")


def _serialize_result(value: Any, metrics: Any) -> bytes:
    start = time.perf_counter()
    try:
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    except Exception:  # e.g. a lambda inside the result: cloudpickle can ship it
        data = cloudpickle.dumps(value)
    metrics.result_serialization_time = time.perf_counter() - start
    metrics.result_size = len(data)
    return data


def describe_exception(exc: BaseException) -> dict:
    """The user's exception: type, message, and the user's own frames only."""
    frames = traceback.extract_tb(exc.__traceback__)
    user_frames = [f for f in frames if not is_internal_file(f.filename)]
    try:
        pickled = cloudpickle.dumps(exc)
        pickle.loads(pickled)  # some exceptions pickle but cannot be rebuilt
    except Exception:
        pickled = None
    return {
        "exception_type": type(exc).__name__,
        "message": "".join(traceback.format_exception_only(type(exc), exc)).strip(),
        "user_traceback": "".join(traceback.format_list(user_frames)),
        "full_traceback": "".join(traceback.format_exception(type(exc), exc,
                                                             exc.__traceback__)),
        "exception": pickled,
        "pid": os.getpid(),
    }
