"""SequenceFiles and Hadoop formats across engines: a file PySpark (Hadoop) writes is
read by minispark and the reverse, for every Writable minispark supports, with and
without record compression; text output formats give the same files; binaryFiles,
binaryRecords and the small API fixes of the doc-example work give PySpark's results.
"""

from __future__ import annotations

import math
import os
import tempfile

import pytest

SEQ_DATA = {
    "int_text": [(1, ""), (1, "a"), (3, "x"), (-7, "é€")],
    "long_double": [(2**40, 1.5), (-(2**50), -0.25), (5 * 2**31, 1e300)],
    "text_bool": [("a", True), ("b", False)],
    "double_map": [(1.5, {3.0: "bb"}), (2.5, {1.0: "aa", 2.0: "cc"})],
    "text_bytes": [("k", bytearray(b"\x00\x01\xff")), ("l", bytearray(b""))],
}
CODECS = [None, "org.apache.hadoop.io.compress.DefaultCodec",
          "org.apache.hadoop.io.compress.GzipCodec"]


def _read(sc, path):
    return sorted(sc.sequenceFile(path).collect(), key=repr)


@pytest.mark.parametrize("codec", CODECS, ids=["plain", "deflate", "gzip"])
@pytest.mark.parametrize("name", sorted(SEQ_DATA))
def test_sequence_files_cross_engines(engines, name, codec):
    data = SEQ_DATA[name]
    root = tempfile.mkdtemp(prefix="parity-seq-")
    by_pyspark, by_mini = os.path.join(root, "pyspark"), os.path.join(root, "mini")
    engines.pyspark_sc.parallelize(data, 2).saveAsSequenceFile(by_pyspark, codec)
    engines.mini_sc.parallelize(data, 2).saveAsSequenceFile(by_mini, codec)
    expected = _read(engines.pyspark_sc, by_pyspark)
    assert _read(engines.mini_sc, by_pyspark) == expected, "minispark reading Hadoop's file"
    assert _read(engines.pyspark_sc, by_mini) == expected, "PySpark reading minispark's file"
    assert _read(engines.mini_sc, by_mini) == expected
    assert sorted(os.listdir(by_mini)) == sorted(os.listdir(by_pyspark))


def _text_output(sc, api):
    path = os.path.join(tempfile.mkdtemp(prefix="parity-text-"), "out")
    rdd = sc.parallelize([(1, ""), (1, "a"), (3, "x"), (2, 2.5), ("k", True)], 2)
    if api == "old":
        rdd.saveAsHadoopFile(path, "org.apache.hadoop.mapred.TextOutputFormat",
                             "org.apache.hadoop.io.Text", "org.apache.hadoop.io.Text")
        read = sc.hadoopFile(path, "org.apache.hadoop.mapred.TextInputFormat",
                             "org.apache.hadoop.io.LongWritable", "org.apache.hadoop.io.Text")
    else:
        rdd.saveAsNewAPIHadoopFile(path,
                                   "org.apache.hadoop.mapreduce.lib.output.TextOutputFormat",
                                   "org.apache.hadoop.io.Text", "org.apache.hadoop.io.Text")
        read = sc.newAPIHadoopFile(path,
                                   "org.apache.hadoop.mapreduce.lib.input.TextInputFormat",
                                   "org.apache.hadoop.io.LongWritable",
                                   "org.apache.hadoop.io.Text")
    files = {n: open(os.path.join(path, n), "rb").read() for n in sorted(os.listdir(path))
             if n.startswith("part-")}
    return files, sorted(read.collect())


@pytest.mark.parametrize("api", ["old", "new"])
def test_text_output_and_input_formats(check, api):
    check(lambda sc: _text_output(sc, api))


def _binary_inputs(sc):
    d = tempfile.mkdtemp(prefix="parity-bin-")
    for name, data in (("1.bin", b"0000000100020003"), ("2.bin", b"\xff" * 8), ("e.bin", b"")):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    files = sorted((os.path.basename(p), c) for p, c in sc.binaryFiles(d).collect())
    records = sc.binaryRecords(d, 4)
    return files, sorted(records.collect()), records.getNumPartitions()


def test_binary_files_and_records(check):
    check(_binary_inputs)


PROGRAMS = {
    "histogram_tuple": lambda sc: sc.parallelize(["ab", "ac", "b", "bd", "ef"]).histogram(
        ("a", "b", "c")),
    "histogram_list_is_same_object": lambda sc: (lambda b: sc.parallelize([1, 5]).histogram(b)[0]
                                                 is b)([0, 3, 6]),
    "emptyRDD_repr": lambda sc: repr(sc.emptyRDD())[:8],
    # A long timeout: PySpark answers with an extrapolated count when it expires first.
    "count_approx": lambda sc: sc.parallelize(range(1000), 10).countApprox(120_000, 1.0),
    "sum_approx_finished": lambda sc: (lambda r: (float(r), r.confidence, r.low, r.high))(
        sc.parallelize(range(100), 4).sumApprox(120_000)),
    "mean_approx_finished": lambda sc: (lambda r: (float(r), r.confidence, r.low, r.high))(
        sc.parallelize(range(100), 4).meanApprox(120_000)),
    "job_tags": lambda sc: (sc.addJobTag("a"), sc.addJobTag("b"), sc.removeJobTag("a"),
                            sorted(sc.getJobTags()), sc.clearJobTags(), set(sc.getJobTags()))[3:],
}


@pytest.mark.parametrize("program", PROGRAMS.values(), ids=PROGRAMS.keys())
def test_program(check, program):
    check(program)


def _checkpoint_flags(sc):
    sc.setCheckpointDir(tempfile.mkdtemp(prefix="parity-ckpt-"))
    rdd = sc.range(5).map(lambda x: x)
    before = (rdd.is_checkpointed, rdd.isCheckpointed())
    rdd.checkpoint()
    asked = (rdd.is_checkpointed, rdd.isCheckpointed())
    rdd.count()
    return before, asked, (rdd.is_checkpointed, rdd.isCheckpointed())


def test_checkpoint_flags(check):
    check(_checkpoint_flags)


@pytest.mark.parametrize("relative_sd", [0.05, 0.01])
def test_count_approx_distinct_close_to_pyspark(engines, relative_sd):
    """Not bit-for-bit (Spark hashes JVM objects): both within 4 standard errors of
    the truth, which is what each engine promises."""
    data = [f"id-{i % 5000}" for i in range(20000)]
    error = 4 * 1.04 / math.sqrt(2 ** math.ceil(2 * math.log2(1.054 / relative_sd)))
    for sc in (engines.pyspark_sc, engines.mini_sc):
        estimate = sc.parallelize(data, 4).countApproxDistinct(relative_sd)
        assert abs(estimate - 5000) <= error * 5000, (sc, estimate)

