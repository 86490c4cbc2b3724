"""Persistence: keeping an RDD's partitions instead of recomputing them.

Read this file to learn when Spark computes an RDD again and how to stop it.
Every action recomputes the whole lineage of the RDD it runs on, unless the
partitions were kept.

Key terms
  persist/cache   mark an RDD to be kept at a storage level (memory, disk,
                  both; storage.py). Lazy: the next action that computes a
                  partition stores it in its worker's block store, later
                  actions read it there (a "cache hit").
  unpersist       drop the stored blocks everywhere.
  checkpoint      save the RDD to files in the checkpoint directory after the
                  next action, and cut its lineage: later jobs read the files
                  (rdds/checkpoint.py, jobs.py). localCheckpoint keeps the data
                  in the workers instead: faster, lost with a worker.
  toDebugString   the lineage as Spark prints it, with what is cached where.

These methods are mixed into ``RDD`` (rdd.py).

Next: storage.py, where cached blocks live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from minispark.rdds.debug import debug_string
from minispark.storage import StorageLevel
from minispark.util import bytes_to_string

if TYPE_CHECKING:
    from minispark.rdd import RDD

__all__ = ["PersistenceFunctions"]


class PersistenceFunctions:
    """Caching, checkpointing and the lineage string (mixed into ``RDD``)."""

    def persist(self, storageLevel: StorageLevel = StorageLevel.MEMORY_ONLY) -> RDD:
        """Keep partitions once computed, at the given storage level.

        Lazy like a transformation: partitions are stored by the next action
        that computes them, and read by every action after that.

        >>> rdd = sc.parallelize([1, 2]).persist(StorageLevel.DISK_ONLY)
        >>> rdd.getStorageLevel() == StorageLevel.DISK_ONLY, rdd.is_cached
        (True, True)
        """
        if (self._storage_level != StorageLevel.NONE and storageLevel != self._storage_level):
            raise ValueError("Cannot change storage level of an RDD after it was already "
                             "assigned a level; unpersist() it first")
        self.is_cached = True
        self._storage_level = storageLevel
        self.ctx._persistent_rdds[self._id] = self
        return self

    def cache(self) -> RDD:
        """Persist in memory (MEMORY_ONLY).

        >>> sc.parallelize([1]).cache().getStorageLevel()
        StorageLevel(False, True, False, False, 1)
        """
        return self.persist(StorageLevel.MEMORY_ONLY)

    def unpersist(self, blocking: bool = False) -> RDD:
        """Drop stored partitions everywhere and stop caching.

        >>> sc.parallelize([1]).cache().unpersist().is_cached
        False
        """
        self.is_cached = False
        self._storage_level = StorageLevel.NONE
        self.ctx._unpersist_rdd(self._id)
        return self

    def getStorageLevel(self) -> StorageLevel:
        """The current storage level.

        >>> print(sc.parallelize([1]).getStorageLevel())
        Serialized 1x Replicated
        """
        return self._storage_level

    def checkpoint(self) -> None:
        """Save this RDD to the checkpoint directory at the next action, then
        forget its lineage (later jobs read the saved files).

        Truncating lineage keeps iterative programs from building ever longer
        chains; call it before the first action on the RDD.

        As in PySpark, the attribute ``is_checkpointed`` is True from this call on,
        while ``isCheckpointed()`` turns True only once the data is written.

        >>> import tempfile; sc.setCheckpointDir(tempfile.mkdtemp())
        >>> rdd = sc.parallelize(range(3)).map(lambda x: x * 2)
        >>> rdd.checkpoint(); rdd.is_checkpointed, rdd.isCheckpointed()
        (True, False)
        >>> rdd.count(); rdd.isCheckpointed()
        3
        True
        """
        if self.ctx._checkpoint_dir is None:
            raise RuntimeError("Checkpoint directory has not been set in the SparkContext: "
                               "call sc.setCheckpointDir(path) first")
        self._checkpoint_requested = "reliable"
        self.is_checkpointed = True  # PySpark's flag: set when asked, not when written

    def localCheckpoint(self) -> None:
        """Like checkpoint(), but keep the data in the workers' block stores:
        faster, and lost if a worker dies.

        >>> rdd = sc.parallelize(range(3)); rdd.localCheckpoint()
        >>> rdd.isLocallyCheckpointed(), rdd.count(), rdd.getCheckpointFile()
        (True, 3, None)
        """
        self._checkpoint_requested = "local"
        if self._storage_level == StorageLevel.NONE:
            self.persist(StorageLevel.MEMORY_AND_DISK)

    def isCheckpointed(self) -> bool:
        """Whether the RDD has been reliably checkpointed.

        >>> sc.parallelize([1]).isCheckpointed()
        False
        """
        return self._checkpoint_rdd is not None and self._checkpoint_requested == "reliable"

    def isLocallyCheckpointed(self) -> bool:
        """Whether ``localCheckpoint()`` was called (true at once, as in PySpark,
        though the data is only saved by the next job).

        >>> sc.parallelize([1]).isLocallyCheckpointed()
        False
        """
        return self._checkpoint_requested == "local"

    def getCheckpointFile(self) -> str | None:
        """The directory the checkpoint was written to, or None.

        >>> sc.parallelize([1]).getCheckpointFile() is None
        True
        """
        if self._checkpoint_rdd is not None and self._checkpoint_requested == "reliable":
            return getattr(self._checkpoint_rdd, "path", None)
        return None  # a local checkpoint has no file to name, as in PySpark

    # -- lineage, shown the way Spark shows it ----------------------------------

    def toDebugString(self) -> bytes:
        """The lineage, one RDD per line; each shuffle starts an indented ``+-``
        block, so the number of blocks is the number of stages. Returns bytes,
        as PySpark does.

        >>> pairs = sc.parallelize(["a", "b", "a"], 2).map(lambda w: (w, 1))
        >>> print(pairs.reduceByKey(lambda a, b: a + b).toDebugString().decode())
        (2) ShuffledRDD[...] at reduceByKey at <doctest ...>:1 []
         +-(2) MapPartitionsRDD[...] at map at <doctest ...>:1 []
            |  ParallelCollectionRDD[...] at parallelize at <doctest ...>:1 []
        """
        return debug_string(self).encode("utf-8")

    def _storage_description(self) -> list[str]:
        level = self._storage_level
        lines = [f"{self!r} [{level if level != StorageLevel.NONE else ''}]"]
        info = self.ctx._block_locations.rdd_storage_info(self._id)
        if info is not None:
            count, mem, disk = info
            lines.append(f"    CachedPartitions: {count}; MemorySize: {bytes_to_string(mem)}; "
                         f"DiskSize: {bytes_to_string(disk)}")
        return lines
