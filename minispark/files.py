"""Files shipped with the application: sc.addFile, sc.addArchive and SparkFiles.

Read this file to see how a task finds a file the driver added.

  addFile(path)     Spark copies the file to every executor, into a per-application
                    directory (the *SparkFiles root*); a task opens it with
                    ``SparkFiles.get(name)``. Adding the same path again is
                    ignored; another file with the same name is an error.
  addArchive(path)  the same for an archive (.zip, .tar, .tar.gz, .tgz), unpacked on
                    the executors: ``SparkFiles.get("data.zip")`` is a directory.
  listFiles, listArchives   what was added, as ``file:`` URIs.

minispark's workers share the driver's disk, so "copying to every executor" is one
copy into ``<local dir>/userFiles``, which the driver and every worker process use
as the SparkFiles root (the workers learn it from their environment,
``MINISPARK_USER_FILES``, set by context.py). The copy is taken when the file is
added: changing the original later changes nothing, as in Spark.

Next: broadcast.py, for data rather than files.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

__all__ = ["SparkFiles", "FileDistribution", "USER_FILES_ENV"]

USER_FILES_ENV = "MINISPARK_USER_FILES"
_ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".jar")


class SparkFiles:
    """Where files added with ``sc.addFile`` are, on the driver and in tasks.

    >>> import os, tempfile; path = os.path.join(tempfile.mkdtemp(), "ratio.txt")
    >>> _ = open(path, "w").write("3")
    >>> sc.addFile(path)
    >>> sc.parallelize([1, 2], 2).map(lambda x: x * int(open(SparkFiles.get("ratio.txt")).read())
    ...                                ).collect()
    [3, 6]
    """

    # SparkContext, registered by context.py when it is imported (PySpark's SparkFiles
    # keeps the context itself, in SparkFiles._sc): context.py imports this module
    # (SparkContext is a FileDistribution), so this one cannot import it.
    _context_class: Any = None

    def __init__(self) -> None:
        raise NotImplementedError("Do not construct SparkFiles objects")

    @classmethod
    def get(cls, filename: str) -> str:
        """The absolute path of a file added with addFile (or archive, with addArchive).

        >>> SparkFiles.get("x.txt").endswith(os.path.join("userFiles", "x.txt"))
        True
        """
        return os.path.abspath(os.path.join(cls.getRootDirectory(), filename))

    @classmethod
    def getRootDirectory(cls) -> str:
        """The directory holding the added files (on a worker or on the driver).

        >>> os.path.basename(SparkFiles.getRootDirectory())
        'userFiles'
        """
        root = os.environ.get(USER_FILES_ENV)
        if root:  # a worker process
            return root
        sc = cls._context_class._active_spark_context if cls._context_class else None
        if sc is None:
            raise RuntimeError("SparkFiles.getRootDirectory needs an active SparkContext")
        return sc._user_files_dir()


def _uri(path: str) -> str:
    return "file:" + os.path.abspath(path)


class FileDistribution:
    """addFile, addArchive, listFiles, listArchives (mixed into ``SparkContext``
    through RDDSources)."""

    def _user_files_dir(self) -> str:
        path = os.path.join(self._local_dir, "userFiles")
        os.makedirs(path, exist_ok=True)
        return path

    def _added(self, kind: str) -> dict:
        added = self.__dict__.setdefault("_added_files", {"files": {}, "archives": {}})
        return added[kind]

    def _register(self, kind: str, path: str) -> str | None:
        """The name to copy ``path`` to, or None if this very path was added before."""
        local = path[len("file:"):] if path.startswith("file:") else path
        if not os.path.exists(local):
            raise FileNotFoundError(f"File {path} does not exist")
        name = os.path.basename(os.path.normpath(local))
        known = self._added("files") | self._added("archives")
        if name in known:
            if known[name] == _uri(local):
                return None
            raise ValueError(f"File {name} was already registered with a different path "
                             f"(old path = {known[name]}, new path = {_uri(local)})")
        self._added(kind)[name] = _uri(local)
        return name

    def addFile(self, path: str, recursive: bool = False) -> None:
        """Ship a file (or, with ``recursive=True``, a directory) to every worker; tasks
        find it with ``SparkFiles.get(name)``.

        >>> import os, tempfile; path = os.path.join(tempfile.mkdtemp(), "lookup.txt")
        >>> _ = open(path, "w").write("x")
        >>> sc.addFile(path); sc.addFile(path)  # the second time is ignored
        >>> [f for f in sc.listFiles if f.endswith("lookup.txt")] == ["file:" + path]
        True
        """
        local = path[len("file:"):] if path.startswith("file:") else path
        if os.path.isdir(local) and not recursive:
            raise ValueError(f"Added file {path} is a directory and recursive is not turned on.")
        name = self._register("files", path)
        if name is None:
            return
        target = os.path.join(self._user_files_dir(), name)
        if os.path.isdir(local):
            shutil.copytree(local, target)
        else:
            shutil.copyfile(local, target)

    def addArchive(self, path: str) -> None:
        """Ship an archive (.zip, .tar, .tar.gz, .tgz) to every worker, unpacked:
        ``SparkFiles.get(archive name)`` is the directory it was unpacked into.

        >>> import os, tempfile, zipfile; d = tempfile.mkdtemp()
        >>> with zipfile.ZipFile(os.path.join(d, "data.zip"), "w") as z:
        ...     z.writestr("n.txt", "7")
        >>> sc.addArchive(os.path.join(d, "data.zip"))
        >>> sc.parallelize([1]).map(lambda x: open(SparkFiles.get("data.zip") + "/n.txt").read()
        ...                         ).collect()
        ['7']
        """
        local = path[len("file:"):] if path.startswith("file:") else path
        if not local.lower().endswith(_ARCHIVES):
            raise ValueError(f"Archive {path} is not a supported archive: minispark unpacks "
                             f"{', '.join(_ARCHIVES)}")
        name = self._register("archives", path)
        if name is None:
            return
        fmt = "zip" if local.lower().endswith((".zip", ".jar")) else None
        shutil.unpack_archive(local, os.path.join(self._user_files_dir(), name), fmt)

    @property
    def listFiles(self) -> list[str]:
        """The files added with addFile, as ``file:`` URIs.

        >>> isinstance(sc.listFiles, list)
        True
        """
        return list(self._added("files").values())

    @property
    def listArchives(self) -> list[str]:
        """The archives added with addArchive, as ``file:`` URIs.

        >>> isinstance(sc.listArchives, list)
        True
        """
        return list(self._added("archives").values())
