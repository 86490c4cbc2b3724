"""Bad arguments, empty inputs and failing user code.

Some "bad" arguments are not errors in PySpark (partitionBy(0) silently yields an
empty RDD, take(-1) is []): those are compared with ``check`` like any result, so
minispark has to be exactly as lenient. The rest go through ``check_raises``.
"""

from operator import add

import pytest


def pairs(sc):
    return sc.parallelize([(1, 2), (3, 4), (1, 5)], 2)


def boom_on_3(x):
    if x == 3:
        raise ValueError("boom on 3")
    return x


class CourseError(Exception):
    """A user-defined exception type: its name must survive the trip to the driver."""


def raise_course_error(x):
    raise CourseError(f"bad record {x!r}")


RAISES = {
    # numPartitions 0 or negative
    "parallelize_0": lambda sc: sc.parallelize([1, 2], 0).collect(),
    "parallelize_range_0": lambda sc: sc.parallelize(range(5), 0).collect(),
    "parallelize_negative": lambda sc: sc.parallelize([1, 2], -1).collect(),
    "repartition_0": lambda sc: sc.parallelize([1, 2]).repartition(0),
    "repartition_negative": lambda sc: sc.parallelize([1, 2]).repartition(-3),
    "coalesce_0": lambda sc: sc.parallelize([1, 2]).coalesce(0),
    "coalesce_negative": lambda sc: sc.parallelize([1, 2]).coalesce(-1),
    "coalesce_0_shuffle": lambda sc: sc.parallelize([1, 2]).coalesce(0, True),
    "sortByKey_negative": lambda sc: pairs(sc).sortByKey(True, -1).collect(),
    # empty RDDs
    "first_empty": lambda sc: sc.parallelize([], 2).first(),
    "reduce_empty": lambda sc: sc.parallelize([], 2).reduce(add),
    "max_empty": lambda sc: sc.parallelize([], 2).max(),
    "min_empty": lambda sc: sc.parallelize([], 2).min(),
    "max_key_empty": lambda sc: sc.parallelize([], 2).max(key=abs),
    "treeReduce_empty": lambda sc: sc.parallelize([], 2).treeReduce(add),
    "first_filtered_empty": lambda sc: sc.parallelize([1, 2], 2).filter(lambda x: x > 5).first(),
    "histogram_int_buckets_empty": lambda sc: sc.parallelize([], 2).histogram(3),
    # sampling arguments
    "sample_negative_fraction": lambda sc: sc.parallelize(range(5), 2).sample(False, -0.5, 1),
    "sample_negative_fraction_replacement": lambda sc: sc.parallelize(range(5), 2).sample(
        True, -1.0, 1),
    "randomSplit_negative_weight": lambda sc: sc.parallelize(range(5)).randomSplit([-1.0, 2.0], 1),
    "randomSplit_zero_weights": lambda sc: sc.parallelize(range(5)).randomSplit([0.0, 0.0], 1),
    "randomSplit_no_weights": lambda sc: sc.parallelize(range(5)).randomSplit([], 1),
    "takeSample_negative": lambda sc: sc.parallelize(range(5)).takeSample(False, -1, 1),
    # histogram arguments
    "histogram_0_buckets": lambda sc: sc.parallelize([1, 2, 3]).histogram(0),
    "histogram_empty_list": lambda sc: sc.parallelize([1, 2, 3]).histogram([]),
    "histogram_one_edge": lambda sc: sc.parallelize([1, 2, 3]).histogram([1]),
    "histogram_unsorted": lambda sc: sc.parallelize([1, 2, 3]).histogram([3, 1, 2]),
    "histogram_strings_int_buckets": lambda sc: sc.parallelize(["a", "b"]).histogram(2),
    "histogram_infinite": lambda sc: sc.parallelize([1.0, float("inf")]).histogram(2),
    # zip
    "zip_different_partition_counts": lambda sc: sc.parallelize([1, 2, 3], 2).zip(
        sc.parallelize([1, 2, 3], 3)),
    "zip_different_sizes": lambda sc: sc.parallelize([1, 2, 3], 2).zip(
        sc.parallelize([1, 2], 2)).collect(),
    # sc.range
    "range_step_0": lambda sc: sc.range(0, 10, 0).collect(),
    # user code failing inside a task
    "task_map_raises": lambda sc: sc.parallelize(range(5), 2).map(boom_on_3).collect(),
    "task_filter_raises": lambda sc: sc.parallelize(range(5), 2).filter(
        lambda x: 1 // (x - 3)).collect(),
    "task_flatMap_raises_key_error": lambda sc: sc.parallelize(["a", "b"], 2).flatMap(
        lambda k: {"a": [1]}[k]).collect(),
    "task_user_exception_class": lambda sc: sc.parallelize([7], 1).map(
        raise_course_error).collect(),
    "task_in_reduceByKey_func": lambda sc: pairs(sc).reduceByKey(lambda a, b: a / 0).collect(),
    "task_in_mapValues_after_shuffle": lambda sc: pairs(sc).groupByKey().mapValues(
        lambda vs: boom_on_3(sum(vs) - 4)).collect(),
    "task_in_count": lambda sc: sc.parallelize(range(5), 2).map(boom_on_3).count(),
    "task_in_foreach": lambda sc: sc.parallelize(range(5), 2).foreach(boom_on_3),
    "task_in_take": lambda sc: sc.parallelize(range(5), 1).map(boom_on_3).take(5),
    "task_sum_of_strings": lambda sc: sc.parallelize(["a", "b"], 1).sum(),
    "pipe_failing_command_checkCode": lambda sc: sc.parallelize(["a"], 1).pipe(
        "false", checkCode=True).collect(),
    # the driver-side merge of reduce() calls the function on the driver
    "reduce_func_raises_on_driver": lambda sc: sc.parallelize([1, 2], 2).reduce(
        lambda a, b: a / 0),
    # key-value operations on data that is not pairs
    "nonpair_reduceByKey": lambda sc: sc.parallelize([1, 2, 3], 2).reduceByKey(add).collect(),
    "nonpair_groupByKey": lambda sc: sc.parallelize([1, 2, 3], 2).groupByKey().collect(),
    "nonpair_keys": lambda sc: sc.parallelize([1, 2, 3], 2).keys().collect(),
    "nonpair_values": lambda sc: sc.parallelize([1, 2, 3], 2).values().collect(),
    "nonpair_mapValues": lambda sc: sc.parallelize([1, 2, 3], 2).mapValues(str).collect(),
    "nonpair_join": lambda sc: sc.parallelize([1, 2, 3], 2).join(
        sc.parallelize([(1, 1)], 1)).collect(),
    "nonpair_countByKey": lambda sc: sc.parallelize([1, 2, 3], 2).countByKey(),
    "nonpair_collectAsMap": lambda sc: sc.parallelize([1, 2, 3], 2).collectAsMap(),
    "nonpair_sortByKey": lambda sc: sc.parallelize([3, 1, 2], 2).sortByKey().collect(),
    "nonpair_partitionBy": lambda sc: sc.parallelize([3, 1, 2], 2).partitionBy(2).collect(),
    "triples_reduceByKey": lambda sc: sc.parallelize([(1, 2, 3)], 1).reduceByKey(add).collect(),
}

# Arguments one might expect to fail, which PySpark accepts: the results must match.
LENIENT = {
    "partitionBy_0": lambda sc: pairs(sc).partitionBy(0).glom().collect(),
    "partitionBy_negative": lambda sc: pairs(sc).partitionBy(-1).glom().collect(),
    "partitionBy_0_partitions": lambda sc: pairs(sc).partitionBy(0).getNumPartitions(),
    "reduceByKey_0": lambda sc: pairs(sc).reduceByKey(add, 0).glom().collect(),
    "reduceByKey_negative": lambda sc: pairs(sc).reduceByKey(add, -1).collect(),
    "groupByKey_0": lambda sc: pairs(sc).groupByKey(0).collect(),
    "sortByKey_0": lambda sc: pairs(sc).sortByKey(True, 0).collect(),
    "take_negative": lambda sc: sc.parallelize([1, 2, 3]).take(-1),
    "takeOrdered_0": lambda sc: sc.parallelize([3, 1, 2]).takeOrdered(0),
    "top_negative": lambda sc: sc.parallelize([3, 1, 2]).top(-1),
    "mean_empty": lambda sc: sc.parallelize([], 2).mean(),
    "sum_empty": lambda sc: sc.parallelize([], 2).sum(),
    "stdev_empty": lambda sc: sc.parallelize([], 2).stdev(),
    "sample_fraction_above_one_without_replacement": lambda sc: sc.parallelize(range(5), 2)
    .sample(False, 2.0, 1).glom().collect(),
    "takeSample_0_from_empty": lambda sc: sc.parallelize([], 2).takeSample(True, 0, 1),
    "lookup_missing_key": lambda sc: pairs(sc).lookup(99),
    "collectAsMap_duplicate_keys_last_wins": lambda sc: pairs(sc).collectAsMap(),
    "pipe_failing_command_no_checkCode": lambda sc: sc.parallelize(["a"], 1).pipe(
        "false").collect(),
    "histogram_empty_rdd_list_buckets": lambda sc: sc.parallelize([], 2).histogram([0, 5, 10]),
    "coalesce_more_partitions_without_shuffle": lambda sc: sc.parallelize([1, 2], 2).coalesce(
        9).getNumPartitions(),
    "range_negative_step_wrong_direction": lambda sc: sc.range(0, 10, -1).collect(),
}


@pytest.mark.parametrize("program", RAISES.values(), ids=RAISES.keys())
def test_raises(check_raises, program):
    check_raises(program)


@pytest.mark.parametrize("program", LENIENT.values(), ids=LENIENT.keys())
def test_lenient(check, program):
    check(program)
