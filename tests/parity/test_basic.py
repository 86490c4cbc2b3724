"""Element-wise and set-like transformations, compared partition by partition."""

import re
from operator import add

import pytest


def glom(rdd):
    return rdd.glom().collect()


def nums(sc, n=10, slices=3):
    return sc.parallelize(range(n), slices)


WORDS = ["spark", "rdd", "shuffle", "map", "reduce", "spark", "key", "value", "map", "a", ""]

PROGRAMS = {
    # map / flatMap / filter
    "map": lambda sc: glom(nums(sc).map(lambda x: x * x)),
    "map_to_tuples": lambda sc: glom(nums(sc).map(lambda x: (x % 3, x))),
    "map_to_lists": lambda sc: glom(nums(sc, 5, 2).map(lambda x: [x, -x])),
    "map_preserves_partitioning_flag": lambda sc: glom(
        nums(sc).map(lambda x: x + 1, preservesPartitioning=True)
    ),
    "map_on_strings": lambda sc: glom(sc.parallelize(WORDS, 4).map(str.upper)),
    "map_none": lambda sc: glom(nums(sc, 4, 2).map(lambda x: None)),
    "map_chained": lambda sc: glom(nums(sc, 20, 4).map(lambda x: x + 1).map(lambda x: x * 2)),
    "flatMap": lambda sc: glom(nums(sc, 6, 3).flatMap(lambda x: range(x))),
    "flatMap_strings": lambda sc: glom(sc.parallelize(["a b", "c", "", "d e f"], 2)
                                       .flatMap(str.split)),
    "flatMap_empty": lambda sc: glom(nums(sc).flatMap(lambda x: [])),
    "flatMap_tuple_result": lambda sc: glom(nums(sc, 4, 2).flatMap(lambda x: (x, x))),
    "filter": lambda sc: glom(nums(sc, 20, 4).filter(lambda x: x % 3 == 0)),
    "filter_none_pass": lambda sc: glom(nums(sc).filter(lambda x: False)),
    "filter_truthy": lambda sc: glom(sc.parallelize([0, 1, "", "a", None, [], [0]], 3)
                                     .filter(lambda x: x)),
    # mapPartitions family
    "mapPartitions_sum": lambda sc: glom(nums(sc, 10, 4).mapPartitions(lambda it: [sum(it)])),
    "mapPartitions_generator": lambda sc: glom(
        nums(sc, 7, 3).mapPartitions(lambda it: (x * 10 for x in it))
    ),
    "mapPartitions_empty_partitions": lambda sc: glom(
        sc.parallelize([1, 2], 5).mapPartitions(lambda it: [len(list(it))])
    ),
    "mapPartitionsWithIndex": lambda sc: glom(
        nums(sc, 10, 3).mapPartitionsWithIndex(lambda i, it: [(i, x) for x in it])
    ),
    "mapPartitionsWithIndex_count": lambda sc: glom(
        sc.parallelize(range(3), 6).mapPartitionsWithIndex(lambda i, it: [(i, sum(1 for _ in it))])
    ),
    "mapPartitionsWithSplit": lambda sc: glom(
        nums(sc, 6, 2).mapPartitionsWithSplit(lambda i, it: [i * 100 + x for x in it])
    ),
    # glom itself
    "glom_1": lambda sc: glom(nums(sc, 5, 1)),
    "glom_many": lambda sc: glom(nums(sc, 5, 8)),
    "glom_count": lambda sc: nums(sc, 17, 5).glom().map(len).collect(),
    # distinct
    "distinct": lambda sc: glom(sc.parallelize([1, 2, 2, 3, 3, 3, 4, 1], 3).distinct()),
    "distinct_n": lambda sc: glom(sc.parallelize([1, 2, 2, 3, 3, 3, 4, 1], 3).distinct(2)),
    "distinct_strings": lambda sc: glom(sc.parallelize(WORDS, 3).distinct()),
    "distinct_tuples": lambda sc: glom(sc.parallelize([(1, 2), (1, 2), (2, 1)], 2).distinct()),
    "distinct_negative": lambda sc: glom(sc.parallelize([-1, -2, -1, 0, 5, -5], 2).distinct(3)),
    "distinct_floats": lambda sc: glom(sc.parallelize([1.5, 2.0, 1.5, -0.5], 2).distinct(3)),
    "distinct_none_bool": lambda sc: glom(
        sc.parallelize([None, True, False, None, 1, 0], 2).distinct(2)
    ),
    # union
    "union": lambda sc: glom(nums(sc, 5, 2).union(nums(sc, 3, 3))),
    "union_self": lambda sc: glom((r := nums(sc, 4, 2)).union(r)),
    "union_empty": lambda sc: glom(nums(sc, 3, 2).union(sc.emptyRDD())),
    "union_three": lambda sc: glom(nums(sc, 2, 1).union(nums(sc, 2, 1)).union(nums(sc, 2, 2))),
    # intersection / subtract
    "intersection": lambda sc: glom(
        sc.parallelize([1, 2, 3, 4, 5, 5], 2).intersection(sc.parallelize([4, 5, 6, 1], 3))
    ),
    "intersection_strings": lambda sc: glom(
        sc.parallelize(WORDS, 2).intersection(sc.parallelize(["map", "spark", "zzz"], 1))
    ),
    "intersection_empty": lambda sc: glom(nums(sc, 5, 2).intersection(sc.parallelize([9], 1))),
    "subtract": lambda sc: glom(nums(sc, 10, 3).subtract(sc.parallelize([2, 4, 6, 99], 2))),
    "subtract_n": lambda sc: glom(nums(sc, 10, 3).subtract(sc.parallelize([2, 4, 6], 2), 4)),
    "subtract_keeps_duplicates": lambda sc: glom(
        sc.parallelize([1, 1, 2, 3, 3], 2).subtract(sc.parallelize([2], 1))
    ),
    "subtract_tuples": lambda sc: glom(
        sc.parallelize([("a", 1), ("b", 2), ("a", 2)], 2).subtract(sc.parallelize([("a", 1)], 1))
    ),
    # cartesian / zip
    "cartesian": lambda sc: glom(nums(sc, 3, 2).cartesian(sc.parallelize("ab", 2))),
    "cartesian_uneven": lambda sc: glom(nums(sc, 5, 3).cartesian(nums(sc, 2, 1))),
    "cartesian_count": lambda sc: nums(sc, 7, 3).cartesian(nums(sc, 4, 2)).count(),
    # The order inside a cartesian partition pairs PySpark's serialization batches
    # (minispark/rdds/batches.py): both sides need more than one batch to show it.
    "cartesian_batches_list_x_list": lambda sc: glom(
        sc.parallelize(list(range(7)), 2).cartesian(sc.parallelize("abcde", 2))),
    "cartesian_batches_range_x_map": lambda sc: glom(
        nums(sc, 20, 1).map(lambda x: x).cartesian(nums(sc, 7, 1).map(lambda x: -x))),
    "cartesian_batches_filter_x_range": lambda sc: glom(
        nums(sc, 20, 1).filter(lambda x: x % 2).cartesian(nums(sc, 4, 1))),
    "cartesian_batches_reduceByKey": lambda sc: glom(
        sc.parallelize([(i % 5, i) for i in range(20)], 2).reduceByKey(add)
        .cartesian(nums(sc, 4, 1))),
    "cartesian_batches_repartition": lambda sc: glom(
        sc.parallelize(list(range(45)), 3).repartition(2).cartesian(nums(sc, 4, 1))),
    "cartesian_batches_union_coalesce": lambda sc: glom(
        sc.parallelize(list(range(9)), 2).union(sc.parallelize("abcdefg", 3)).coalesce(2)
        .cartesian(nums(sc, 4, 1))),
    "cartesian_batches_zip": lambda sc: glom(
        (r := sc.parallelize(list(range(9)), 3)).zip(r.map(lambda x: -x))
        .cartesian(nums(sc, 4, 1))),
    "cartesian_of_cartesian": lambda sc: glom(
        nums(sc, 7, 2).cartesian(sc.parallelize("abcde", 2)).cartesian(nums(sc, 3, 1))),
    "cartesian_big_records": lambda sc: glom(
        nums(sc, 40, 1).map(lambda i: (i, "y" * 30000)).cartesian(nums(sc, 4, 1))
        .map(lambda p: (p[0][0], p[1]))),
    "zip": lambda sc: glom(nums(sc, 6, 2).zip(sc.parallelize("abcdef", 2))),
    "zip_self_map": lambda sc: glom((r := nums(sc, 9, 3)).zip(r.map(lambda x: x * x))),
    "zipWithIndex": lambda sc: glom(sc.parallelize("abcdefg", 3).zipWithIndex()),
    "zipWithIndex_empty_partitions": lambda sc: glom(sc.parallelize("ab", 5).zipWithIndex()),
    "zipWithIndex_one": lambda sc: glom(sc.parallelize("abc", 1).zipWithIndex()),
    "zipWithUniqueId": lambda sc: glom(sc.parallelize("abcdefg", 3).zipWithUniqueId()),
    "zipWithUniqueId_many": lambda sc: glom(sc.parallelize(range(5), 7).zipWithUniqueId()),
    # keyBy / groupBy
    "keyBy": lambda sc: glom(nums(sc, 6, 2).keyBy(lambda x: x % 3)),
    "keyBy_strings": lambda sc: glom(sc.parallelize(WORDS, 2).keyBy(len)),
    "groupBy": lambda sc: glom(nums(sc, 10, 3).groupBy(lambda x: x % 3)),
    "groupBy_n": lambda sc: glom(nums(sc, 10, 3).groupBy(lambda x: x % 4, 2)),
    "groupBy_strings": lambda sc: glom(sc.parallelize(WORDS, 3).groupBy(lambda w: w[:1])),
    "groupBy_custom_partitioner": lambda sc: glom(
        nums(sc, 10, 2).groupBy(lambda x: x % 5, 3, partitionFunc=lambda k: k)
    ),
    # sample / randomSplit / takeSample with explicit seeds
    "sample_no_replacement": lambda sc: glom(nums(sc, 100, 4).sample(False, 0.3, 42)),
    "sample_replacement": lambda sc: glom(nums(sc, 50, 3).sample(True, 0.5, 7)),
    "sample_replacement_big_fraction": lambda sc: glom(nums(sc, 10, 2).sample(True, 2.0, 1)),
    "sample_fraction_zero": lambda sc: glom(nums(sc, 20, 2).sample(False, 0.0, 3)),
    "sample_fraction_one": lambda sc: glom(nums(sc, 20, 2).sample(False, 1.0, 3)),
    "sample_seed_0": lambda sc: glom(nums(sc, 40, 2).sample(False, 0.5, 0)),
    "sample_strings": lambda sc: glom(sc.parallelize(WORDS * 3, 3).sample(False, 0.4, 11)),
    # A sample computed twice in one task (both sides of a zip) draws the same.
    "sample_replacement_zip_self": lambda sc: glom(
        (r := nums(sc, 50, 3).sample(True, 0.7, 5)).zip(r.map(lambda x: -x))),
    "sample_zip_self": lambda sc: glom(
        (r := nums(sc, 50, 3).sample(False, 0.5, 5)).zip(r.map(lambda x: -x))),
    "randomSplit_zip_self": lambda sc: glom(
        (r := nums(sc, 40, 2).randomSplit([1, 2], seed=3)[1]).zip(r.map(str))),
    "sampleByKey_replacement_zip_self": lambda sc: glom(
        (r := sc.parallelize([(i % 3, i) for i in range(30)], 2)
         .sampleByKey(True, {0: 0.5, 1: 1.0, 2: 2.0}, 7)).zip(r.keys())),
    "randomSplit": lambda sc: [glom(r) for r in nums(sc, 40, 3).randomSplit([0.5, 0.5], 17)],
    "randomSplit_three": lambda sc: [
        glom(r) for r in nums(sc, 60, 4).randomSplit([1.0, 2.0, 3.0], seed=5)
    ],
    "randomSplit_zero_weight": lambda sc: [
        glom(r) for r in nums(sc, 20, 2).randomSplit([0.0, 1.0], 2)
    ],
    "takeSample_no_replacement": lambda sc: nums(sc, 50, 3).takeSample(False, 10, 42),
    "takeSample_replacement": lambda sc: nums(sc, 20, 2).takeSample(True, 10, 3),
    "takeSample_more_than_count": lambda sc: nums(sc, 8, 2).takeSample(False, 20, 1),
    "takeSample_more_than_count_replacement": lambda sc: nums(sc, 4, 2).takeSample(True, 9, 1),
    "takeSample_zero": lambda sc: nums(sc, 8, 2).takeSample(False, 0, 1),
    "takeSample_empty": lambda sc: sc.parallelize([], 2).takeSample(False, 3, 1),
    # pipe
    "pipe_cat": lambda sc: glom(sc.parallelize(["a", "b", "c"], 2).pipe("cat")),
    "pipe_numbers": lambda sc: glom(nums(sc, 5, 2).pipe("cat")),
    "pipe_wc": lambda sc: glom(nums(sc, 7, 3).pipe("wc -l")),
    "pipe_env": lambda sc: glom(
        sc.parallelize(["x"], 1).pipe("sh -c 'echo $PARITY_VAR'", env={"PARITY_VAR": "hello"})
    ),
    "pipe_empty_partition": lambda sc: glom(sc.parallelize(["a"], 3).pipe("cat")),
    "pipe_grep": lambda sc: glom(sc.parallelize(WORDS, 2).pipe("grep a")),
    # misc transformations
    "cache_then_map": lambda sc: glom(nums(sc).cache().map(lambda x: -x)),
    "persist_unpersist": lambda sc: glom(nums(sc).persist().unpersist().map(lambda x: -x)),
    "setName_name": lambda sc: nums(sc).setName("numbers").name(),
    "name_default": lambda sc: nums(sc).name(),
    "id_is_int": lambda sc: type(nums(sc).id()).__name__,
    "is_cached": lambda sc: (nums(sc).is_cached, nums(sc).cache().is_cached),
    "getStorageLevel_default": lambda sc: str(nums(sc).getStorageLevel()),
    "getStorageLevel_cached": lambda sc: str(nums(sc).cache().getStorageLevel()),
    "isCheckpointed": lambda sc: nums(sc).isCheckpointed(),
    "context_is_sc": lambda sc: nums(sc).context is sc,
    "toDebugString_type": lambda sc: type(nums(sc).toDebugString()).__name__,
    "toDebugString_first_partition_count": lambda sc: nums(sc, 10, 3)
    .toDebugString()
    .split(b" ")[0],
}


@pytest.mark.parametrize("program", PROGRAMS.values(), ids=PROGRAMS.keys())
def test_program(check, program):
    check(program)


def test_toDebugString_shape(check):
    """The shape, not the class names: one `(n)` per stage, ` +-` per shuffle."""

    def program(sc):
        rdd = sc.parallelize([("a", 1), ("b", 2)], 2).reduceByKey(add, 3).map(lambda kv: kv)
        text = rdd.toDebugString()
        lines = text.decode().splitlines()
        return {
            "type": type(text).__name__,
            "first": lines[0].split(" ")[0],
            "shuffles": sum(1 for ln in lines if "+-" in ln),
            # "(n)" opens each stage: the partition count of every stage, in order.
            "stage_partitions": re.findall(r"^[ |+-]*\((\d+)\)", text.decode(), re.MULTILINE),
        }

    check(program)


def test_toDebugString_cached(check):
    def program(sc):
        rdd = sc.parallelize(range(4), 2).cache()
        rdd.count()
        return b"CachedPartitions: 2" in rdd.toDebugString()

    check(program)
