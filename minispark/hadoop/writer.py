"""Writing an RDD to files: Hadoop's output committer, as Spark's SparkHadoopWriter uses it.

Read this file to learn why a failed task never leaves half a file behind.

Key terms
  part file     one output file per partition, ``part-00000`` (``part-r-00000``
                for the new Hadoop API), written by the task of that partition.
  task commit   each task writes its partition to ``_temporary/attempt_N/`` and
                renames it to its part file only when it succeeds, so a failed or
                retried task never leaves half a file (the rename is atomic).
  job commit    the driver writes ``_SUCCESS`` when every task has committed, and
                removes ``_temporary/``.
  .crc files    Hadoop's local file system keeps a checksum beside every file;
                minispark writes them too, so the directories match Spark's.

saveAsTextFile and saveAsPickleFile (actions.py) and the Hadoop formats
(formats.py: saveAsSequenceFile, saveAsHadoopFile, ...) all write through here.
It makes no RDD: it runs a job on the RDD it is given (``rdd.ctx._run_job``).

Next: formats.py.
"""

from __future__ import annotations

import gzip
import os
import pickle
import shutil
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from minispark.taskcontext import TaskContext

if TYPE_CHECKING:
    from minispark.rdd import RDD

__all__ = ["write_crc", "commit_task_output", "run_output_job", "save_partitions_as_text",
           "save_partitions_as_pickle"]

# -- output ---------------------------------------------------------------------

CRC_CHUNK = 512  # Hadoop's io.bytes.per.checksum


def write_crc(path: str) -> None:
    """Write Hadoop's checksum side file ``.NAME.crc`` next to ``path``.

    Hadoop's local file system keeps a CRC-32 of every 512 bytes in a hidden
    file; Spark's output directories therefore contain ``.part-00000.crc``
    and ``._SUCCESS.crc``. minispark writes them too, in the same format
    (magic ``crc\\0``, chunk size, big-endian CRCs), so the directories match.
    """
    head, name = os.path.split(path)
    with open(path, "rb") as f, open(os.path.join(head, f".{name}.crc"), "wb") as out:
        out.write(b"crc\0" + CRC_CHUNK.to_bytes(4, "big"))
        while chunk := f.read(CRC_CHUNK):
            out.write(zlib.crc32(chunk).to_bytes(4, "big"))


def commit_task_output(path: str, suffix: str, write: Any, prefix: str = "part-") -> None:
    ctx = TaskContext.get()
    name = f"{prefix}{ctx.partitionId():05d}{suffix}"
    tmp_dir = os.path.join(path, "_temporary", f"attempt_{ctx.taskAttemptId()}")
    os.makedirs(tmp_dir, exist_ok=True)
    tmp = os.path.join(tmp_dir, name)
    write(tmp)
    os.replace(tmp, os.path.join(path, name))  # task commit: atomic rename
    write_crc(os.path.join(path, name))


def run_output_job(rdd: RDD, path: str, task: Any) -> None:
    rdd._check_output_path(path)
    os.makedirs(path)
    rdd.ctx._run_job(rdd, task)
    shutil.rmtree(os.path.join(path, "_temporary"), ignore_errors=True)
    open(os.path.join(path, "_SUCCESS"), "wb").close()
    write_crc(os.path.join(path, "_SUCCESS"))


def save_partitions_as_text(rdd: RDD, path: str, codec: str | None) -> None:
    gz = bool(codec) and "gzip" in codec.lower()
    if codec and not gz:
        raise ValueError(f"Unsupported compression codec {codec!r}: minispark supports "
                         "org.apache.hadoop.io.compress.GzipCodec")

    def write_partition(iterator: Iterator) -> None:
        def write(tmp: str) -> None:
            with (gzip.open(tmp, "wb") if gz else open(tmp, "wb")) as out:
                for x in iterator:
                    data = x if isinstance(x, bytes) else str(x).encode("utf-8")
                    out.write(data + b"\n")
        commit_task_output(path, ".gz" if gz else "", write)
    run_output_job(rdd, path, write_partition)


def save_partitions_as_pickle(rdd: RDD, path: str, batch_size: int) -> None:
    def write_partition(iterator: Iterator) -> None:
        def write(tmp: str) -> None:
            with open(tmp, "wb") as out:
                batch: list = []
                for x in iterator:
                    batch.append(x)
                    if len(batch) >= batch_size:
                        pickle.dump(batch, out)
                        batch = []
                if batch:
                    pickle.dump(batch, out)
        commit_task_output(path, "", write)
    run_output_job(rdd, path, write_partition)
