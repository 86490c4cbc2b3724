"""Exceptions minispark raises, and why.

PythonException is what a job that failed inside a task raises on the
driver. Its message starts with what the user needs first, the exception type
and message from their own function, then says where it happened (stage, task,
partition, attempt) and shows only the user's own frames of the traceback.
The original exception is kept as ``__cause__``.
"""

from __future__ import annotations

__all__ = ["PythonException", "FetchFailedError", "FileAlreadyExistsException",
           "SparkContextError"]


class PythonException(Exception):
    """A job failed because user code raised inside a task.

    >>> e = PythonException("ValueError: boom", "ValueError", stage_id=1, partition=3)
    >>> str(e).splitlines()[0], e.exception_type, e.partition
    ('ValueError: boom', 'ValueError', 3)
    """

    def __init__(self, message: str, exception_type: str = "", stage_id: int = -1,
                 partition: int = -1, attempts: int = 0):
        super().__init__(message)
        self.exception_type = exception_type
        self.stage_id = stage_id
        self.partition = partition
        self.attempts = attempts


class FetchFailedError(Exception):
    """A reduce task could not read a map task's shuffle output (file lost).

    The scheduler reacts by recomputing the missing map output from lineage,
    then retrying the reduce stage, as Spark does.
    """

    def __init__(self, shuffle_id: int, map_id: int, reduce_id: int, path: str = ""):
        super().__init__(f"shuffle {shuffle_id}: output of map task {map_id} for reduce "
                         f"partition {reduce_id} is missing ({path})")
        self.shuffle_id, self.map_id, self.reduce_id = shuffle_id, map_id, reduce_id
        self.path = path


class FileAlreadyExistsException(FileExistsError):
    """saveAsTextFile refuses to overwrite an existing directory, as Hadoop does."""


class SparkContextError(RuntimeError):
    """The SparkContext was used where it cannot be: on a worker, or after stop()."""


class PySparkRuntimeError(RuntimeError):
    """PySpark's runtime error with an error class, e.g. ``[PIPE_FUNCTION_EXITED]``.

    >>> str(PySparkRuntimeError("PIPE_FUNCTION_EXITED", "Pipe function `false` exited."))
    '[PIPE_FUNCTION_EXITED] Pipe function `false` exited.'
    """

    def __init__(self, error_class: str, message: str):
        super().__init__(f"[{error_class}] {message}")
        self.error_class = error_class

    def getErrorClass(self) -> str:
        """The error class, as in ``pyspark.errors.PySparkException``.

        >>> PySparkRuntimeError("X", "y").getErrorClass()
        'X'
        """
        return self.error_class
