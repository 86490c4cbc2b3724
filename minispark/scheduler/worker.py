"""The worker process: a loop that receives tasks and sends back results.

Started by executor.py as ``python -m minispark.scheduler.worker FD`` with one
end of a socket pair. It lives as long as the SparkContext, so its imports,
its task binaries and its cached blocks are paid for once and reused by every
task it runs (PySpark reuses its Python workers the same way).

Messages are pickled dicts: ``{"op": "task", ...}`` runs a task (task.py),
``{"op": "remove_rdd", "rdd_id": n}`` drops cached blocks, ``{"op":
"forget_stage", ...}`` drops a task binary, ``{"op": "stop"}`` ends the loop.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection


def _tie_to_driver() -> None:
    """Ignore Ctrl-C (the driver decides what to cancel) and die with the
    driver even if it is killed with SIGKILL: never leave orphans.

    An idle worker notices at once (its socket closes). A busy one is caught
    by a watchdog thread that sees the worker re-parented. (Linux's
    PR_SET_PDEATHSIG is no good here: it fires when the *thread* that started
    the worker ends, and a streaming batch thread may well have started it.)
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    driver = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != driver:
                os._exit(1)
    threading.Thread(target=watch, name="driver-watchdog", daemon=True).start()


def main(fd: int) -> None:
    _tie_to_driver()
    # A deep lineage is a deep chain of nested iterators: allow it (taskbinary.py's
    # DEEP_RECURSION_LIMIT; the main thread's 8 MB stack holds it).
    sys.setrecursionlimit(20_000)
    conn = Connection(fd)
    init = pickle.loads(conn.recv_bytes())
    sys.path[:] = init["sys_path"]
    os.makedirs(init["local_dir"], exist_ok=True)
    from minispark.scheduler.task import WorkerState, run_task
    from minispark.storage import BlockManager
    # Cached blocks on disk go to a directory of this worker's own (storage.py says why).
    blocks_dir = os.path.join(init["local_dir"], "blocks", init["worker_id"])
    state = WorkerState(init["worker_id"], init["local_dir"], init["shuffle_dir"],
                        BlockManager(blocks_dir, init["cache_budget"], init["serializer"]),
                        init["serializer"])
    while True:
        try:
            msg = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return  # the driver went away: nothing left to do
        op = msg["op"]
        if op == "task":
            reply = run_task(msg, state)
            reply["task_id"] = msg["task_id"]
            conn.send_bytes(pickle.dumps(reply, pickle.HIGHEST_PROTOCOL))
        elif op == "remove_rdd":
            state.block_manager.remove_rdd(msg["rdd_id"])
        elif op == "remove_broadcast":
            from minispark.broadcast import remove_worker_copy
            remove_worker_copy(msg["broadcast_id"])
        elif op == "forget_stage":
            state.binaries.pop(msg["binary_key"], None)
        elif op == "stop":
            return


if __name__ == "__main__":
    main(int(sys.argv[1]))
