"""The Hadoop format methods: saveAsSequenceFile, saveAsHadoopFile, sc.sequenceFile, ...

Read this file to see what PySpark's Hadoop methods do with their class-name
arguments. In Spark an *OutputFormat* (how records become files) and an
*InputFormat* (how files become splits and records) are Java classes named by
string; keys and values are Writables (writables.py). Hadoop has two APIs with
the same formats in different packages: the old one (``org.apache.hadoop.mapred``,
used by ``saveAsHadoopFile``/``hadoopFile``/``hadoopRDD``) and the new one
(``org.apache.hadoop.mapreduce.lib``, used by the ``NewAPI`` methods). A
*Dataset* method takes everything, the output directory included, from a conf
dict instead of arguments.

minispark supports the formats PySpark's examples use, in both APIs, and raises
a ValueError naming any other class:

  SequenceFileOutputFormat / SequenceFileInputFormat   sequencefile.py
  TextOutputFormat   one ``key<TAB>value`` line per record (the Writables'
                     toString; a None key or value is left out with its tab)
  TextInputFormat    ``(byte offset of the line, line)`` per line

Key and value converters (``keyConverter=...``) are Java classes and are not
supported. Output goes through the same task commit as saveAsTextFile
(writer.py): ``part-NNNNN`` files (``part-r-NNNNN`` with the new API, as
Hadoop names them), ``_SUCCESS``, Hadoop's ``.crc`` files. Given a codec,
SequenceFiles are block-compressed, as Spark writes them.

The readers make a HadoopFileRDD (rdds/hadoop.py, found by name with
``rddbase.rdd_class``: rdds/ sits above this file, which actions.py imports).

Next: sequencefile.py; rdds/hadoop.py reads the splits.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import TYPE_CHECKING

from minispark.hadoop.sequencefile import CODECS, SequenceFileWriter
from minispark.hadoop.writables import SUPPORTED, java_string, writable_class
from minispark.hadoop.writer import commit_task_output, run_output_job
from minispark.rddbase import rdd_class
from minispark.taskcontext import TaskContext

if TYPE_CHECKING:
    from minispark.context import SparkContext
    from minispark.rdd import RDD

__all__ = ["HadoopOutputFunctions", "HadoopInputFunctions"]

OLD, NEW = "org.apache.hadoop.mapred.", "org.apache.hadoop.mapreduce.lib."
OUTPUT_FORMATS = {OLD + "SequenceFileOutputFormat": "sequence", OLD + "TextOutputFormat": "text",
                  NEW + "output.SequenceFileOutputFormat": "sequence",
                  NEW + "output.TextOutputFormat": "text"}
INPUT_FORMATS = {OLD + "SequenceFileInputFormat": "sequence", OLD + "TextInputFormat": "text",
                 NEW + "input.SequenceFileInputFormat": "sequence",
                 NEW + "input.TextInputFormat": "text"}


def _format(name: str | None, known: dict, api: str, what: str) -> str:
    if name is None:
        raise ValueError(f"no {what} class given (set it in the conf)")
    if name not in known or not name.startswith(api):
        supported = ", ".join(n for n in known if n.startswith(api))
        raise ValueError(f"{what} class {name} is not supported by minispark with this "
                         f"method (supported: {supported})")
    return known[name]


def _no_converters(*converters: str | None) -> None:
    for c in converters:
        if c is not None:
            raise ValueError(f"converter {c} is a Java class: minispark does not support "
                             "key or value converters")


def _check_writable(name: str | None) -> None:
    if name is not None and name not in SUPPORTED:
        raise ValueError(f"Writable class {name} is not supported by minispark (supported: "
                         f"{', '.join(c.rsplit('.', 1)[1] for c in SUPPORTED)})")


def _get(conf: dict, *keys: str) -> str | None:
    for key in keys:
        if conf.get(key) is not None:
            return conf[key]
    return None


def _save(rdd: RDD, path: str, kind: str, key_class: str | None, value_class: str | None,
          codec: str | None, conf: dict, new_api: bool = False) -> None:
    # Imported here: rdds/ imports the RDD class, which mixes these functions in.
    prefix = "part-r-" if new_api else "part-"  # the new API names files as reducers do
    _check_writable(key_class)
    _check_writable(value_class)
    if codec is not None and codec not in CODECS:
        raise ValueError(f"Unsupported compression codec {codec!r}: minispark supports "
                         f"{', '.join(CODECS)}")
    if kind == "text":
        separator = conf.get("mapreduce.output.textoutputformat.separator", "\t")
        gz = codec is not None and codec.endswith("GzipCodec")
        if codec is not None and not gz:
            raise ValueError(f"Text output with codec {codec} is not supported by minispark "
                             "(only org.apache.hadoop.io.compress.GzipCodec)")

        def write_text(iterator: Iterator) -> None:
            def write(tmp: str) -> None:
                with (gzip.open(tmp, "wb") if gz else open(tmp, "wb")) as out:
                    for key, value in iterator:
                        parts = [java_string(x) for x in (key, value) if x is not None]
                        out.write((separator.join(parts) + "\n").encode("utf-8"))
            commit_task_output(path, ".gz" if gz else "", write, prefix)
        run_output_job(rdd, path, write_text)
        return
    if key_class is None or value_class is None:
        # As Spark (inferKeyValueTypes): the classes of the first record.
        rdd._check_output_path(path)
        first_key, first_value = rdd.first()
        key_class = key_class or writable_class(first_key)
        value_class = value_class or writable_class(first_value)

    def write_sequence(iterator: Iterator) -> None:
        def write(tmp: str) -> None:
            name = f"{prefix}{TaskContext.get().partitionId():05d}"
            with open(tmp, "wb") as out:
                writer = SequenceFileWriter(out, key_class, value_class, codec, name)
                for key, value in iterator:
                    for x, cls, which in ((key, key_class, "key"), (value, value_class, "value")):
                        if writable_class(x) != cls:
                            raise OSError(f"wrong {which} class: {writable_class(x)} is not "
                                          f"{cls}")
                    writer.append(key, value)
                writer.close()
        commit_task_output(path, "", write, prefix)
    run_output_job(rdd, path, write_sequence)


class HadoopOutputFunctions:
    """Saving pair RDDs in Hadoop formats (mixed into ``RDD`` through RDDActions)."""

    def saveAsSequenceFile(self, path: str, compressionCodecClass: str | None = None) -> None:
        """Save (key, value) pairs as a Hadoop SequenceFile per partition; the Writable
        classes are those of the first pair (see minispark/hadoop/writables.py).

        >>> import os, tempfile; path = os.path.join(tempfile.mkdtemp(), "seq")
        >>> sc.parallelize([(1, ""), (1, "a"), (3, "x")], 2).saveAsSequenceFile(path)
        >>> sorted(sc.sequenceFile(path).collect())
        [(1, ''), (1, 'a'), (3, 'x')]
        """
        _save(self, path, "sequence", None, None, compressionCodecClass, {})

    def saveAsHadoopFile(self, path: str, outputFormatClass: str, keyClass: str | None = None,
                         valueClass: str | None = None, keyConverter: str | None = None,
                         valueConverter: str | None = None, conf: dict | None = None,
                         compressionCodecClass: str | None = None) -> None:
        """Save pairs with an old-API (``org.apache.hadoop.mapred``) OutputFormat.

        >>> import os, tempfile; path = os.path.join(tempfile.mkdtemp(), "out")
        >>> sc.parallelize([(1, "a"), (2, None)], 1).saveAsHadoopFile(
        ...     path, "org.apache.hadoop.mapred.TextOutputFormat")
        >>> open(os.path.join(path, "part-00000")).read()
        '1\\ta\\n2\\n'
        """
        _no_converters(keyConverter, valueConverter)
        kind = _format(outputFormatClass, OUTPUT_FORMATS, OLD, "OutputFormat")
        _save(self, path, kind, keyClass, valueClass, compressionCodecClass, conf or {})

    def saveAsNewAPIHadoopFile(self, path: str, outputFormatClass: str,
                               keyClass: str | None = None, valueClass: str | None = None,
                               keyConverter: str | None = None,
                               valueConverter: str | None = None,
                               conf: dict | None = None) -> None:
        """Save pairs with a new-API (``org.apache.hadoop.mapreduce``) OutputFormat.

        >>> import os, tempfile; path = os.path.join(tempfile.mkdtemp(), "out")
        >>> sc.parallelize([(1, {3.0: "bb"})]).saveAsNewAPIHadoopFile(
        ...     path, "org.apache.hadoop.mapreduce.lib.output.SequenceFileOutputFormat")
        >>> sc.sequenceFile(path).collect()
        [(1, {3.0: 'bb'})]
        """
        _no_converters(keyConverter, valueConverter)
        conf = conf or {}
        kind = _format(outputFormatClass, OUTPUT_FORMATS, NEW, "OutputFormat")
        _save(self, path, kind, keyClass, valueClass, _conf_codec(conf), conf, new_api=True)

    def saveAsHadoopDataset(self, conf: dict, keyConverter: str | None = None,
                            valueConverter: str | None = None) -> None:
        """saveAsHadoopFile with everything (format, classes, output directory) in ``conf``.

        >>> import os, tempfile; path = os.path.join(tempfile.mkdtemp(), "out")
        >>> sc.parallelize([(1, "a")], 1).saveAsHadoopDataset({
        ...     "mapred.output.format.class": "org.apache.hadoop.mapred.TextOutputFormat",
        ...     "mapreduce.output.fileoutputformat.outputdir": path})
        >>> open(os.path.join(path, "part-00000")).read()
        '1\\ta\\n'
        """
        _no_converters(keyConverter, valueConverter)
        kind = _format(conf.get("mapred.output.format.class"), OUTPUT_FORMATS, OLD,
                       "OutputFormat")
        _save(self, _output_dir(conf), kind, *_conf_classes(conf), _conf_codec(conf), conf)

    def saveAsNewAPIHadoopDataset(self, conf: dict, keyConverter: str | None = None,
                                  valueConverter: str | None = None) -> None:
        """saveAsNewAPIHadoopFile with everything in ``conf``.

        >>> import os, tempfile; path = os.path.join(tempfile.mkdtemp(), "out")
        >>> sc.parallelize([(1, "a")]).saveAsNewAPIHadoopDataset({
        ...     "mapreduce.job.outputformat.class":
        ...         "org.apache.hadoop.mapreduce.lib.output.SequenceFileOutputFormat",
        ...     "mapreduce.output.fileoutputformat.outputdir": path})
        >>> sc.sequenceFile(path).collect()
        [(1, 'a')]
        """
        _no_converters(keyConverter, valueConverter)
        kind = _format(conf.get("mapreduce.job.outputformat.class"), OUTPUT_FORMATS, NEW,
                       "OutputFormat")
        _save(self, _output_dir(conf), kind, *_conf_classes(conf), _conf_codec(conf), conf,
              new_api=True)


def _output_dir(conf: dict) -> str:
    path = _get(conf, "mapreduce.output.fileoutputformat.outputdir", "mapred.output.dir")
    if path is None:
        raise ValueError("no output directory: set mapreduce.output.fileoutputformat.outputdir "
                         "in the conf")
    return path


def _conf_classes(conf: dict) -> tuple:
    return (_get(conf, "mapreduce.job.output.key.class", "mapred.output.key.class"),
            _get(conf, "mapreduce.job.output.value.class", "mapred.output.value.class"))


def _conf_codec(conf: dict) -> str | None:
    if str(_get(conf, "mapreduce.output.fileoutputformat.compress",
                "mapred.output.compress")).lower() != "true":
        return None
    return _get(conf, "mapreduce.output.fileoutputformat.compress.codec",
                "mapred.output.compression.codec") or "org.apache.hadoop.io.compress.DefaultCodec"


class HadoopInputFunctions:
    """Reading Hadoop formats (mixed into ``SparkContext`` through RDDSources)."""

    def sequenceFile(self, path: str, keyClass: str | None = None,
                     valueClass: str | None = None, keyConverter: str | None = None,
                     valueConverter: str | None = None, minSplits: int | None = None,
                     batchSize: int = 0) -> RDD:
        """Read SequenceFiles of the Writables in minispark/hadoop/writables.py; the
        key and value classes come from each file's header.

        >>> import os, tempfile; path = os.path.join(tempfile.mkdtemp(), "seq")
        >>> sc.parallelize([("a", 1.5), ("b", 2.0)]).saveAsSequenceFile(path)
        >>> sorted(sc.sequenceFile(path).collect())
        [('a', 1.5), ('b', 2.0)]

        Every record must have the first record's classes, as in Hadoop:

        >>> sc.parallelize([("a", 1.5), ("b", None)]).saveAsSequenceFile(path + "2")
        Traceback (most recent call last):
          ...
        minispark.errors.PythonException: OSError: wrong value class: \
org.apache.hadoop.io.NullWritable is not org.apache.hadoop.io.DoubleWritable...
        """
        _no_converters(keyConverter, valueConverter)
        _check_writable(keyClass)
        _check_writable(valueClass)
        return rdd_class("HadoopFileRDD")(self, path, "sequence",
                                          minSplits or self.defaultMinPartitions)

    def hadoopFile(self, path: str, inputFormatClass: str, keyClass: str, valueClass: str,
                   keyConverter: str | None = None, valueConverter: str | None = None,
                   conf: dict | None = None, batchSize: int = 0) -> RDD:
        """Read files with an old-API (``org.apache.hadoop.mapred``) InputFormat.

        >>> import os, tempfile; d = tempfile.mkdtemp()
        >>> _ = open(os.path.join(d, "a.txt"), "w").write("one\\ntwo\\n")
        >>> sc.hadoopFile(d, "org.apache.hadoop.mapred.TextInputFormat",
        ...     "org.apache.hadoop.io.LongWritable", "org.apache.hadoop.io.Text").collect()
        [(0, 'one'), (4, 'two')]
        """
        return self._hadoop_rdd(path, inputFormatClass, OLD, keyConverter, valueConverter,
                                self.defaultMinPartitions)

    def newAPIHadoopFile(self, path: str, inputFormatClass: str, keyClass: str,
                         valueClass: str, keyConverter: str | None = None,
                         valueConverter: str | None = None, conf: dict | None = None,
                         batchSize: int = 0) -> RDD:
        """Read files with a new-API (``org.apache.hadoop.mapreduce``) InputFormat.

        >>> import os, tempfile; d = tempfile.mkdtemp()
        >>> _ = open(os.path.join(d, "a.txt"), "w").write("one\\n")
        >>> sc.newAPIHadoopFile(d, "org.apache.hadoop.mapreduce.lib.input.TextInputFormat",
        ...     "org.apache.hadoop.io.LongWritable", "org.apache.hadoop.io.Text").collect()
        [(0, 'one')]
        """
        # The new API splits by block size, not by a minimum number of splits.
        return self._hadoop_rdd(path, inputFormatClass, NEW, keyConverter, valueConverter, 1)

    def hadoopRDD(self, inputFormatClass: str, keyClass: str, valueClass: str,
                  keyConverter: str | None = None, valueConverter: str | None = None,
                  conf: dict | None = None, batchSize: int = 0) -> RDD:
        """hadoopFile with the input directory in ``conf``
        (``mapreduce.input.fileinputformat.inputdir``).

        >>> import os, tempfile; d = tempfile.mkdtemp()
        >>> _ = open(os.path.join(d, "a.txt"), "w").write("x\\n")
        >>> sc.hadoopRDD("org.apache.hadoop.mapred.TextInputFormat", "", "",
        ...     conf={"mapreduce.input.fileinputformat.inputdir": d}).collect()
        [(0, 'x')]
        """
        return self._hadoop_rdd(_input_dir(conf or {}), inputFormatClass, OLD, keyConverter,
                                valueConverter, self.defaultMinPartitions)

    def newAPIHadoopRDD(self, inputFormatClass: str, keyClass: str, valueClass: str,
                        keyConverter: str | None = None, valueConverter: str | None = None,
                        conf: dict | None = None, batchSize: int = 0) -> RDD:
        """newAPIHadoopFile with the input directory in ``conf``.

        >>> import os, tempfile; d = tempfile.mkdtemp()
        >>> _ = open(os.path.join(d, "a.txt"), "w").write("x\\n")
        >>> sc.newAPIHadoopRDD("org.apache.hadoop.mapreduce.lib.input.TextInputFormat", "", "",
        ...     conf={"mapreduce.input.fileinputformat.inputdir": d}).collect()
        [(0, 'x')]
        """
        return self._hadoop_rdd(_input_dir(conf or {}), inputFormatClass, NEW, keyConverter,
                                valueConverter, 1)

    def _hadoop_rdd(self: SparkContext, path: str, fmt: str, api: str,
                    key_converter: str | None, value_converter: str | None,
                    min_partitions: int) -> RDD:
        _no_converters(key_converter, value_converter)
        kind = _format(fmt, INPUT_FORMATS, api, "InputFormat")
        return rdd_class("HadoopFileRDD")(self, path, kind, min_partitions)


def _input_dir(conf: dict) -> str:
    path = _get(conf, "mapreduce.input.fileinputformat.inputdir", "mapred.input.dir")
    if path is None:
        raise ValueError("no input directory: set mapreduce.input.fileinputformat.inputdir "
                         "in the conf")
    return path
