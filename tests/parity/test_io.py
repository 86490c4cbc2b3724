"""Reading and writing files: Hadoop-style byte-range splits of textFile, the layout
of saveAsTextFile's output directory, pickle files and gzip.

Inputs are written once and read by both engines. Outputs go to a fresh directory
per engine run (each program makes its own with tempfile), and what the program
returns is the listing / content, never an absolute path that differs per run.
"""

import gzip
import os
import tempfile
from pathlib import Path

import pytest


def glom(rdd):
    return rdd.glom().collect()


def _line(i):
    # Lines of varying length so that byte-range split boundaries fall mid-line.
    return f"{i:04d} " + "abcdefghij" * (i % 7) + "xyz"[: i % 4] + ("é" if i % 11 == 0 else "")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("parity_io_in")
    big = root / "big.txt"
    big.write_text("\n".join(_line(i) for i in range(300)) + "\n", encoding="utf-8")
    (root / "no_trailing_newline.txt").write_text("one\ntwo\nthree", encoding="utf-8")
    (root / "crlf.txt").write_bytes(b"a\r\nb\r\n\r\nc\r\n")
    (root / "blank_lines.txt").write_text("\n\nx\n\n\ny\n\n", encoding="utf-8")
    (root / "empty.txt").write_text("", encoding="utf-8")
    (root / "one_line.txt").write_text("just one line\n", encoding="utf-8")
    with gzip.open(root / "big.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(_line(i) for i in range(300)) + "\n")
    d = root / "dir"
    d.mkdir()
    (d / "a.txt").write_text("a1\na2\na3\n", encoding="utf-8")
    (d / "b.txt").write_text("b1\nb2\n", encoding="utf-8")
    (d / "c.log").write_text("c1\n", encoding="utf-8")
    # Hadoop's FileInputFormat skips names starting with "_" or ".".
    (d / "_SUCCESS").write_text("", encoding="utf-8")
    (d / ".hidden").write_text("hidden\n", encoding="utf-8")
    existing = root / "existing_output"
    existing.mkdir()
    return root


def _fresh_dir():
    """A not-yet-existing output path (saveAsTextFile refuses existing directories)."""
    return os.path.join(tempfile.mkdtemp(prefix="parity_out_"), "out")


def _listing(path, hidden=False):
    return sorted(n for n in os.listdir(path) if hidden or not n.startswith("."))


def _read_parts(path):
    out = {}
    for name in _listing(path):
        if name.startswith("part-"):
            full = os.path.join(path, name)
            opener = gzip.open if name.endswith(".gz") else open
            with opener(full, "rt", encoding="utf-8") as fh:
                out[name] = fh.read()
    return out


def _read_programs(d):
    big = str(d / "big.txt")
    progs = {
        "textFile": lambda sc: glom(sc.textFile(big)),
        "textFile_count": lambda sc: sc.textFile(big).count(),
        "textFile_partitions_default": lambda sc: sc.textFile(big).getNumPartitions(),
    }
    for m in [1, 2, 3, 5, 7, 16]:
        progs[f"textFile_minPartitions_{m}"] = lambda sc, m=m: glom(sc.textFile(big, m))
    progs.update({
        "textFile_bytes": lambda sc: glom(sc.textFile(str(d / "crlf.txt"), 2, use_unicode=False)),
        "textFile_no_trailing_newline": lambda sc: glom(
            sc.textFile(str(d / "no_trailing_newline.txt"), 3)),
        "textFile_crlf": lambda sc: glom(sc.textFile(str(d / "crlf.txt"), 2)),
        "textFile_blank_lines": lambda sc: glom(sc.textFile(str(d / "blank_lines.txt"), 2)),
        "textFile_empty": lambda sc: glom(sc.textFile(str(d / "empty.txt"), 3)),
        "textFile_one_line_many_partitions": lambda sc: glom(
            sc.textFile(str(d / "one_line.txt"), 4)),
        "textFile_gz": lambda sc: glom(sc.textFile(str(d / "big.txt.gz"))),
        "textFile_gz_minPartitions_not_splittable": lambda sc: glom(
            sc.textFile(str(d / "big.txt.gz"), 4)),
        "textFile_directory": lambda sc: glom(sc.textFile(str(d / "dir"))),
        "textFile_directory_minPartitions": lambda sc: glom(sc.textFile(str(d / "dir"), 4)),
        "textFile_glob": lambda sc: glom(sc.textFile(str(d / "dir" / "*.txt"))),
        "textFile_comma_list": lambda sc: glom(
            sc.textFile(f"{d / 'dir' / 'b.txt'},{d / 'one_line.txt'},{d / 'dir' / 'a.txt'}")),
        "textFile_file_uri": lambda sc: glom(sc.textFile("file://" + str(d / "dir" / "a.txt"))),
        "textFile_map_split": lambda sc: glom(
            sc.textFile(big, 3).map(lambda ln: ln.split(" ")[0]).filter(lambda w: w.endswith("7"))),
        "wholeTextFiles_content": lambda sc: sorted(
            (os.path.basename(p), c) for p, c in sc.wholeTextFiles(str(d / "dir")).collect()),
        "wholeTextFiles_paths": lambda sc: sorted(
            p for p, _ in sc.wholeTextFiles(str(d / "dir")).collect()),
        "wholeTextFiles_glom": lambda sc: [
            [os.path.basename(p) for p, _ in part]
            for part in glom(sc.wholeTextFiles(str(d / "dir")))],
        "wholeTextFiles_minPartitions": lambda sc: [
            [os.path.basename(p) for p, _ in part]
            for part in glom(sc.wholeTextFiles(str(d / "dir"), 3))],
    })
    return progs


# Test ids only: the programs themselves are built in the test, around the real data dir.
READ_IDS = list(_read_programs(Path("unused")))


@pytest.mark.parametrize("name", READ_IDS)
def test_read(check, data, name):
    check(_read_programs(data)[name])


def _save_text(sc, rdd_of, **kwargs):
    out = _fresh_dir()
    rdd_of(sc).saveAsTextFile(out, **kwargs)
    return out


WRITE = {
    "saveAsTextFile_listing": lambda sc: _listing(
        _save_text(sc, lambda sc: sc.parallelize(range(10), 3))),
    "saveAsTextFile_listing_hidden_crc_files": lambda sc: _listing(
        _save_text(sc, lambda sc: sc.parallelize(range(10), 3)), hidden=True),
    "saveAsTextFile_part_contents": lambda sc: _read_parts(
        _save_text(sc, lambda sc: sc.parallelize(range(10), 3))),
    "saveAsTextFile_non_strings": lambda sc: _read_parts(
        _save_text(sc, lambda sc: sc.parallelize([(1, "a"), None, [1.5], {"k": 2}, "é"], 2))),
    "saveAsTextFile_empty_partitions": lambda sc: _read_parts(
        _save_text(sc, lambda sc: sc.parallelize([1], 4))),
    "saveAsTextFile_empty_rdd": lambda sc: _listing(
        _save_text(sc, lambda sc: sc.parallelize([], 2))),
    "saveAsTextFile_many_parts_names": lambda sc: _listing(
        _save_text(sc, lambda sc: sc.parallelize(range(12), 12))),
    "saveAsTextFile_read_back_glom": lambda sc: glom(sc.textFile(
        _save_text(sc, lambda sc: sc.parallelize([f"line {i}" for i in range(20)], 3)))),
    "saveAsTextFile_read_back_after_shuffle": lambda sc: glom(sc.textFile(
        _save_text(sc, lambda sc: sc.parallelize([("k", i) for i in range(9)], 3)
                   .reduceByKey(lambda a, b: a + b, 2)))),
    "saveAsTextFile_gzip_listing": lambda sc: _listing(_save_text(
        sc, lambda sc: sc.parallelize(range(10), 2),
        compressionCodecClass="org.apache.hadoop.io.compress.GzipCodec")),
    "saveAsTextFile_gzip_contents": lambda sc: _read_parts(_save_text(
        sc, lambda sc: sc.parallelize(range(10), 2),
        compressionCodecClass="org.apache.hadoop.io.compress.GzipCodec")),
    "saveAsTextFile_gzip_read_back": lambda sc: glom(sc.textFile(_save_text(
        sc, lambda sc: sc.parallelize([str(i) * 3 for i in range(10)], 3),
        compressionCodecClass="org.apache.hadoop.io.compress.GzipCodec"))),
    "pickleFile_round_trip": lambda sc: glom(sc.pickleFile(_save_pickle(
        sc, sc.parallelize([(1, "a"), {"x": [1, 2]}, None, 3.5, "s"], 2)))),
    "pickleFile_round_trip_batchSize": lambda sc: glom(sc.pickleFile(_save_pickle(
        sc, sc.parallelize(range(25), 3), batchSize=4))),
    "pickleFile_minPartitions": lambda sc: sorted(sc.pickleFile(_save_pickle(
        sc, sc.parallelize(range(25), 2)), 4).collect()),
    "pickleFile_listing": lambda sc: _listing(_save_pickle(sc, sc.parallelize(range(5), 2))),
}


def _save_pickle(sc, rdd, **kwargs):
    out = _fresh_dir()
    rdd.saveAsPickleFile(out, **kwargs)
    return out


@pytest.mark.parametrize("program", WRITE.values(), ids=WRITE.keys())
def test_write(check, program):
    check(program)


def test_saveAsTextFile_existing_directory_raises(check_raises, data):
    # The same existing directory for both engines, so the messages can match.
    target = str(data / "existing_output")
    check_raises(lambda sc: sc.parallelize([1, 2], 1).saveAsTextFile(target))


def test_textFile_missing_path_raises(check_raises, data):
    missing = str(data / "does_not_exist.txt")
    check_raises(lambda sc: sc.textFile(missing).collect())
