"""SparkConf: an application's configuration, a dictionary of string settings.

Read this to see which settings minispark reads. The names are Spark's:

  spark.master                      local, local[N], local[*], local[N,F]
  spark.app.name                    shown in the UI and the event log
  spark.default.parallelism         default partition count for shuffles and parallelize
  spark.python.worker.memory        memory budget of a task's shuffle/sort buffers
                                    before it spills to disk (default 512m)
  spark.local.dir                   where shuffle files, spills and disk blocks go
  spark.ui.showConsoleProgress      the [Stage 0:====>  (1 + 1) / 2] bar (terminal only)
  spark.task.maxFailures            attempts per task outside local mode

Next: context.py, which reads them.
"""

from __future__ import annotations

__all__ = ["SparkConf"]


class SparkConf:
    """Key-value configuration for a SparkContext, as ``pyspark.SparkConf``.

    Setters return the conf itself so calls chain.

    >>> conf = SparkConf().setMaster("local[2]").setAppName("logs")
    >>> conf.get("spark.master"), conf.get("spark.app.name")
    ('local[2]', 'logs')
    >>> conf.get("spark.missing", "default"), conf.get("spark.missing") is None
    ('default', True)
    >>> conf.setIfMissing("spark.app.name", "other").get("spark.app.name")
    'logs'
    >>> conf.contains("spark.master"), sorted(conf.getAll())
    (True, [('spark.app.name', 'logs'), ('spark.master', 'local[2]')])
    """

    def __init__(self, loadDefaults: bool = True, _jvm: object = None, _jconf: object = None):
        self._conf: dict[str, str] = {}

    def set(self, key: str, value: object) -> SparkConf:
        """Set a configuration property (the value is stored as a string).

        >>> SparkConf().set("spark.executor.memory", 2048).get("spark.executor.memory")
        '2048'
        """
        self._conf[key] = str(value)
        return self

    def setIfMissing(self, key: str, value: object) -> SparkConf:
        """Set a property only if it is not set yet.

        >>> conf = SparkConf().set("a", "1").setIfMissing("a", "2").setIfMissing("b", "3")
        >>> conf.get("a"), conf.get("b")
        ('1', '3')
        """
        if key not in self._conf:
            self.set(key, value)
        return self

    def setMaster(self, value: str) -> SparkConf:
        """Set the master URL, e.g. ``local[2]``.

        >>> SparkConf().setMaster("local[2]").get("spark.master")
        'local[2]'
        """
        return self.set("spark.master", value)

    def setAppName(self, value: str) -> SparkConf:
        """Set the application name.

        >>> SparkConf().setAppName("logs").get("spark.app.name")
        'logs'
        """
        return self.set("spark.app.name", value)

    def setSparkHome(self, value: str) -> SparkConf:
        """Set the Spark installation path (kept only for compatibility).

        >>> SparkConf().setSparkHome("/opt/spark").get("spark.home")
        '/opt/spark'
        """
        return self.set("spark.home", value)

    def setExecutorEnv(self, key: str | None = None, value: str | None = None,
                       pairs: list[tuple[str, str]] | None = None) -> SparkConf:
        """Set environment variables for the worker processes.

        >>> SparkConf().setExecutorEnv("TZ", "UTC").get("spark.executorEnv.TZ")
        'UTC'
        """
        if (key is not None and pairs is not None) or (key is None and pairs is None):
            raise ValueError("Either pass one key-value pair or a list of pairs")
        for k, v in pairs if pairs is not None else [(key, value)]:
            self.set("spark.executorEnv." + str(k), v)
        return self

    def setAll(self, pairs: list[tuple[str, str]]) -> SparkConf:
        """Set several properties from (key, value) pairs.

        >>> SparkConf().setAll([("a", "1"), ("b", 2)]).get("b")
        '2'
        """
        for k, v in pairs:
            self.set(k, v)
        return self

    def get(self, key: str, defaultValue: str | None = None) -> str | None:
        """The value of a property, or ``defaultValue``.

        >>> SparkConf().get("spark.nope", "default")
        'default'
        """
        return self._conf.get(key, defaultValue)

    def getAll(self) -> list[tuple[str, str]]:
        """All properties as (key, value) pairs.

        >>> sorted(SparkConf(loadDefaults=False).setAll([("b", "2"), ("a", "1")]).getAll())
        [('a', '1'), ('b', '2')]
        """
        return list(self._conf.items())

    def contains(self, key: str) -> bool:
        """Whether a property is set.

        >>> SparkConf().set("a", "1").contains("a"), SparkConf().contains("zzz")
        (True, False)
        """
        return key in self._conf

    def toDebugString(self) -> str:
        """The properties, one ``key=value`` per line.

        >>> print(SparkConf().set("spark.x", 1).toDebugString())
        spark.x=1
        """
        return "\n".join(f"{k}={v}" for k, v in self._conf.items())

    def __repr__(self) -> str:
        return f"<SparkConf {self._conf!r}>"
