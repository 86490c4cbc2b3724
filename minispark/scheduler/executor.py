"""Executors: the worker processes that run tasks, seen from the driver.

Read this file to learn how tasks physically reach a worker.

``local[N]`` starts N worker processes when the first job runs (not when the
context is created, so an idle notebook costs nothing) and keeps them for the
life of the SparkContext. Each is a fresh ``python -m
minispark.scheduler.worker`` connected to the driver by a socket pair, started
with PYTHONHASHSEED=0 so that string keys hash, and therefore partition, the
same way in every worker, on every run. A task is a pickled dict; the stage's
task binary is sent to each worker only the first time it runs a task of that
stage.

A worker that dies (os._exit, SIGKILL, out of memory) closes its socket; the
driver notices at once, replaces it with a new process, and reports the lost
task so the scheduler can run it again; one that dies while idle is replaced before it
is next given a task. Every worker has a daemon thread waiting on its process, so a dead
one never lingers as a zombie. Everything cached in the dead worker's
memory is gone and will be recomputed from lineage; its shuffle files are on
disk and survive.

Next: worker.py and task.py.
"""

from __future__ import annotations

import itertools
import os
import pickle
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection, wait
from typing import Any

import cloudpickle


class WorkerProcess:
    """One worker process and the driver's end of its socket."""

    def __init__(self, worker_id: str, init: dict):
        parent, child = socket.socketpair()
        env = dict(os.environ, PYTHONHASHSEED="0")
        env.update(init.get("env", {}))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "minispark.scheduler.worker", str(child.fileno())],
            pass_fds=[child.fileno()], env=env, stdin=subprocess.DEVNULL)
        child.close()
        # Reap the process the moment it exits, whoever ends it. An unreaped worker stays a
        # zombie child of the driver; Jupyter's kernel, which SIGTERMs its children when it
        # shuts down and then waits for them to go, would wait for zombies until its
        # manager killed it (about 2.5 s per notebook run). Spark's PythonWorkerFactory
        # watches its workers from a monitor thread for the same reason.
        threading.Thread(target=self.proc.wait, name=f"reaper-{worker_id}",
                         daemon=True).start()
        self.id = worker_id
        self.conn = Connection(parent.detach())
        # cloudpickle: the init holds the data serializer, which may be a user's class.
        self.conn.send_bytes(cloudpickle.dumps(dict(init, worker_id=worker_id)))
        self.binaries: set[tuple] = set()
        self.task: Any = None     # the task running here, if any
        self.alive = True

    def send(self, msg: dict) -> None:
        # cloudpickle: a task's partition may hold user data such as functions.
        self.conn.send_bytes(cloudpickle.dumps(msg, pickle.HIGHEST_PROTOCOL))

    def kill(self) -> None:
        self.alive = False
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.conn.close()

    def stop(self) -> None:
        if self.alive:
            try:
                self.send({"op": "stop"})
            except OSError:
                pass
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.conn.close()
            self.alive = False


class LocalBackend:
    """A fixed-size pool of worker processes (local mode's executors)."""

    def __init__(self, num_workers: int, init: dict, bus: Any = None):
        self.num_workers = num_workers
        self.init = init
        self.bus = bus
        self.workers: list[WorkerProcess] = []
        self._ids = itertools.count()

    def ensure_started(self) -> None:
        """A full pool of live workers: dead idle ones replaced, missing ones started."""
        # A worker may die while it has no task (killed from outside, out of memory): no
        # reply will ever tell us, so look before tasks are handed out. Spark's driver hears
        # of a lost executor from its heartbeats instead.
        for worker in [w for w in self.workers if w.task is None and w.proc.poll() is not None]:
            self.replace(worker, "worker process exited while idle")
        while len(self.workers) < self.num_workers:
            self._spawn()

    def _spawn(self) -> WorkerProcess:
        worker = WorkerProcess(f"worker-{next(self._ids)}", self.init)
        self.workers.append(worker)
        if self.bus is not None:
            self.bus.post("ExecutorAdded", executor_id=worker.id, pid=worker.proc.pid)
        return worker

    def idle_workers(self) -> list[WorkerProcess]:
        return [w for w in self.workers if w.task is None]

    def busy_workers(self) -> list[WorkerProcess]:
        return [w for w in self.workers if w.task is not None]

    def launch(self, worker: WorkerProcess, task: Any, msg: dict) -> None:
        if task.binary_key in worker.binaries:
            msg = dict(msg, binary=None)
        else:
            worker.binaries.add(task.binary_key)
        worker.task = task
        try:
            worker.send(msg)
        except OSError:
            pass    # it died since ensure_started() looked: wait_for_replies reports it

    def wait_for_replies(self, timeout: float | None = None) -> list[tuple[WorkerProcess, Any]]:
        """Block until some busy worker replies or dies; ``reply`` is None for a death."""
        busy = {w.conn: w for w in self.busy_workers()}
        if not busy:
            return []
        replies = []
        for conn in wait(list(busy), timeout):
            worker = busy[conn]
            try:
                reply = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                reply = None
            replies.append((worker, reply))
            if reply is None:
                self.replace(worker, "worker process exited while running a task")
        return replies

    def replace(self, worker: WorkerProcess, reason: str) -> None:
        """Kill a worker (if needed) and start a fresh one in its place."""
        code = worker.proc.poll()
        worker.kill()
        self.workers.remove(worker)
        if self.bus is not None:
            self.bus.post("ExecutorRemoved", executor_id=worker.id,
                          reason=f"{reason} (exit code {code})")
        self._spawn()

    def broadcast(self, msg: dict) -> None:
        for worker in self.workers:
            try:
                worker.send(msg)
            except OSError:
                pass

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers.clear()
