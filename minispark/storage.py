"""Storage: where cached partitions live, and at which level.

Read this file to learn what ``cache()`` and ``persist()`` really do.

Key terms
  StorageLevel   where a persisted RDD's partitions are kept: memory, disk,
                 or memory spilling to disk. PySpark always stores Python data
                 serialised, so every level here is "Serialized", as in PySpark.
  block          one stored partition, named ``rdd_<rddId>_<partition>``.
  BlockManager   one per worker process. The first task that computes a
                 partition of a persisted RDD stores it here; later tasks on
                 the same worker read it instead of recomputing the lineage.
                 Memory blocks die with the worker; disk blocks are files in
                 the worker's own directory.
  block locations the driver's record of which worker holds which block
                 (Spark's BlockManagerMaster). The scheduler sends a task to
                 the worker that already holds its partition ("process local").

Caching costs a task the time to store the partition and saves every later
job the whole recomputation; unpersist() drops the blocks everywhere.

Why each worker's disk blocks live in a directory of their own: unpersist()
reaches the workers as a message that each handles when it reads it, with no
reply awaited. A worker that is slow to read it (descheduled on a busy
machine) may handle it after another worker has already started the next job,
which re-persists the RDD and writes the same block again. With one shared
directory the slow worker's "remove every file of rdd 6" deleted the other's
half-written ``rdd_6_1`` (the task then failed on the rename). A worker now
only ever removes files it wrote itself, and it handles its messages in order
(the unpersist, then the tasks sent after it), so a remove can never overlap a
write of the same store. The temporary file still carries the writer's pid and
is renamed into place atomically, so a reader never sees half a block.

Next: shuffle.py (the other kind of data a worker keeps on disk).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from minispark.serializers import PickleSerializer

__all__ = ["StorageLevel", "BlockManager", "rdd_block_id"]


class StorageLevel:
    """Flags that say where a persisted RDD's partitions are kept.

    >>> StorageLevel.MEMORY_AND_DISK
    StorageLevel(True, True, False, False, 1)
    >>> str(StorageLevel.DISK_ONLY)
    'Disk Serialized 1x Replicated'
    >>> StorageLevel.MEMORY_ONLY == StorageLevel(False, True, False, False)
    True
    """

    NONE: StorageLevel
    DISK_ONLY: StorageLevel
    DISK_ONLY_2: StorageLevel
    DISK_ONLY_3: StorageLevel
    MEMORY_ONLY: StorageLevel
    MEMORY_ONLY_2: StorageLevel
    MEMORY_AND_DISK: StorageLevel
    MEMORY_AND_DISK_2: StorageLevel
    OFF_HEAP: StorageLevel
    MEMORY_AND_DISK_DESER: StorageLevel

    def __init__(self, useDisk: bool, useMemory: bool, useOffHeap: bool,
                 deserialized: bool, replication: int = 1):
        self.useDisk = useDisk
        self.useMemory = useMemory
        self.useOffHeap = useOffHeap
        self.deserialized = deserialized
        self.replication = replication

    def __repr__(self) -> str:
        return (f"StorageLevel({self.useDisk}, {self.useMemory}, {self.useOffHeap}, "
                f"{self.deserialized}, {self.replication})")

    def __str__(self) -> str:
        parts = [name for flag, name in ((self.useDisk, "Disk"), (self.useMemory, "Memory"),
                                         (self.useOffHeap, "OffHeap")) if flag]
        parts.append("Deserialized" if self.deserialized else "Serialized")
        return " ".join(parts) + f" {self.replication}x Replicated"

    def _key(self) -> tuple:
        return (self.useDisk, self.useMemory, self.useOffHeap, self.deserialized, self.replication)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StorageLevel) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


StorageLevel.NONE = StorageLevel(False, False, False, False)
StorageLevel.DISK_ONLY = StorageLevel(True, False, False, False)
StorageLevel.DISK_ONLY_2 = StorageLevel(True, False, False, False, 2)
StorageLevel.DISK_ONLY_3 = StorageLevel(True, False, False, False, 3)
StorageLevel.MEMORY_ONLY = StorageLevel(False, True, False, False)
StorageLevel.MEMORY_ONLY_2 = StorageLevel(False, True, False, False, 2)
StorageLevel.MEMORY_AND_DISK = StorageLevel(True, True, False, False)
StorageLevel.MEMORY_AND_DISK_2 = StorageLevel(True, True, False, False, 2)
StorageLevel.OFF_HEAP = StorageLevel(True, True, True, False, 1)
StorageLevel.MEMORY_AND_DISK_DESER = StorageLevel(True, True, False, True)


def rdd_block_id(rdd_id: int, partition: int) -> str:
    """The name Spark gives a cached partition.

    >>> rdd_block_id(3, 0)
    'rdd_3_0'
    """
    return f"rdd_{rdd_id}_{partition}"


class BlockManager:
    """A worker's store of cached partitions (memory and disk).

    Blocks are stored serialized (with the context's serializer, pickle by
    default), as PySpark does, so the size reported for each
    block is the real number of bytes it occupies. ``get_or_compute`` is what
    ``RDD.iterator`` calls for a persisted RDD.
    """

    def __init__(self, local_dir: str, memory_budget: int, serializer: Any = None):
        # local_dir is this worker's own: no other process writes or removes
        # there (see the opening comment for the race a shared one had).
        self.local_dir = local_dir
        os.makedirs(local_dir, exist_ok=True)
        self.serializer = serializer or PickleSerializer()
        self.memory_budget = memory_budget
        self.memory: dict[str, bytes] = {}
        self.memory_used = 0
        # Blocks stored or dropped during the current task, reported to the
        # driver with the task's result: (block id, level or None, mem, disk).
        self.updates: list[tuple[str, StorageLevel | None, int, int]] = []

    def _disk_path(self, block_id: str) -> str:
        return os.path.join(self.local_dir, block_id)

    def get(self, block_id: str) -> list | None:
        data = self.memory.get(block_id)
        if data is None:
            path = self._disk_path(block_id)
            if not os.path.exists(path):
                return None
            with open(path, "rb") as f:
                data = f.read()
        return self.serializer.loads(data)

    def put(self, block_id: str, values: list, level: StorageLevel) -> None:
        data = self.serializer.dumps(values)
        in_memory = level.useMemory and self.memory_used + len(data) <= self.memory_budget
        on_disk = level.useDisk and not in_memory
        if in_memory:
            self.memory[block_id] = data
            self.memory_used += len(data)
        elif on_disk:
            tmp = f"{self._disk_path(block_id)}.{os.getpid()}.tmp"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, self._disk_path(block_id))
        # MEMORY_ONLY that does not fit is simply not cached (Spark drops it and
        # recomputes the partition next time); nothing is reported then.
        if in_memory or on_disk:
            self.updates.append((block_id, level, len(data) if in_memory else 0,
                                 0 if in_memory else len(data)))

    def remove(self, block_id: str) -> None:
        data = self.memory.pop(block_id, None)
        if data is not None:
            self.memory_used -= len(data)
        try:
            os.remove(self._disk_path(block_id))
        except FileNotFoundError:
            pass

    def remove_rdd(self, rdd_id: int) -> None:
        prefix = f"rdd_{rdd_id}_"
        for block_id in [b for b in self.memory if b.startswith(prefix)]:
            self.remove(block_id)
        for name in os.listdir(self.local_dir):
            if name.startswith(prefix):  # a .tmp here is one a failed put left
                self.remove(name)

    def get_or_compute(self, rdd: Any, split: Any, context: Any) -> Iterator:
        """Return a cached partition, or compute it, store it, and return it."""
        block_id = rdd_block_id(rdd.id(), split.index)
        cached = self.get(block_id)
        if cached is not None:
            context.metrics.cache_hits += 1
            return iter(cached)
        values = list(rdd.compute_or_read_checkpoint(split, context))
        self.put(block_id, values, rdd.getStorageLevel())
        return iter(values)


class BlockManagerMaster:
    """The driver's map of cached blocks: which worker holds which partition.

    The scheduler asks it where a partition is cached (to send the task there)
    and whether a whole RDD is cached (then nothing behind it needs to run).
    """

    def __init__(self) -> None:
        # block id -> (worker id, level, memory bytes, disk bytes)
        self.blocks: dict[str, tuple[str, StorageLevel, int, int]] = {}

    def update(self, block_id: str, worker_id: str, level: StorageLevel,
               mem: int, disk: int) -> None:
        self.blocks[block_id] = (worker_id, level, mem, disk)

    def remove_rdd(self, rdd_id: int) -> None:
        prefix = f"rdd_{rdd_id}_"
        for block_id in [b for b in self.blocks if b.startswith(prefix)]:
            del self.blocks[block_id]

    def worker_lost(self, worker_id: str) -> None:
        """A dead worker's memory is gone; its disk blocks are in its own
        directory, which the replacement worker does not read either."""
        for block_id in [b for b, v in self.blocks.items() if v[0] == worker_id]:
            del self.blocks[block_id]

    def location(self, rdd_id: int, partition: int) -> str | None:
        entry = self.blocks.get(rdd_block_id(rdd_id, partition))
        return entry[0] if entry else None

    def fully_cached(self, rdd: Any) -> bool:
        if rdd.getStorageLevel() == StorageLevel.NONE:
            return False
        return all(self.location(rdd.id(), i) is not None
                   for i in range(rdd.getNumPartitions()))

    def preferred_worker(self, rdd: Any, partition: int) -> str | None:
        """The worker caching this partition or a narrow ancestor of it, if any."""
        from minispark.dependency import NarrowDependency
        stack = [(rdd, partition)]
        seen = set()
        while stack:
            current, index = stack.pop()
            if (current.id(), index) in seen:
                continue
            seen.add((current.id(), index))
            if current.getStorageLevel() != StorageLevel.NONE:
                where = self.location(current.id(), index)
                if where is not None:
                    return where
            for dep in current.dependencies:
                if isinstance(dep, NarrowDependency):
                    stack.extend((dep.rdd, p) for p in dep.get_parents(index))
        return None

    def rdd_storage_info(self, rdd_id: int) -> tuple[int, int, int] | None:
        """(cached partitions, memory bytes, disk bytes) of an RDD, or None."""
        prefix = f"rdd_{rdd_id}_"
        entries = [v for b, v in self.blocks.items() if b.startswith(prefix)]
        if not entries:
            return None
        return len(entries), sum(e[2] for e in entries), sum(e[3] for e in entries)
