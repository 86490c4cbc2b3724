"""Actions: what comes back to the driver, including the per-partition effects of
non-neutral zero values and the exact float statistics."""

from operator import add, mul

import pytest


def nums(sc, n=10, slices=3):
    return sc.parallelize(range(n), slices)


FLOATS = [1.5, -2.25, 3.0, 0.1, 7.75, 2.0, 2.0, -0.5]
WORDS = ["pear", "fig", "apple", "kiwi", "banana", "fig", "date"]


def minmax(a, b):
    return (min(a[0], b[0]), max(a[1], b[1]))


PROGRAMS = {
    # collect / count / first / take
    "collect": lambda sc: nums(sc).collect(),
    "collect_empty": lambda sc: sc.parallelize([], 3).collect(),
    "collect_nested": lambda sc: sc.parallelize([[1, (2, 3)], {"a": [4]}, None], 2).collect(),
    "count": lambda sc: nums(sc, 101, 7).count(),
    "count_empty": lambda sc: sc.parallelize([], 4).count(),
    "count_after_filter": lambda sc: nums(sc, 50, 3).filter(lambda x: x % 7 == 0).count(),
    "first": lambda sc: nums(sc).first(),
    "first_after_empty_partitions": lambda sc: sc.parallelize([1, 2], 6).filter(
        lambda x: x == 2).first(),
    "take": lambda sc: nums(sc).take(4),
    "take_zero": lambda sc: nums(sc).take(0),
    "take_more_than_count": lambda sc: nums(sc, 5, 2).take(50),
    "take_across_many_partitions": lambda sc: nums(sc, 100, 20).filter(lambda x: x > 83).take(7),
    "take_all_but_last_empty": lambda sc: sc.parallelize(range(40), 10).filter(
        lambda x: x >= 39).take(3),
    "take_one_per_partition": lambda sc: nums(sc, 8, 8).take(5),
    "take_empty": lambda sc: sc.parallelize([], 3).take(2),
    # takeOrdered / top
    "takeOrdered": lambda sc: sc.parallelize([10, 1, 2, 9, 3, 4, 5, 6, 7], 3).takeOrdered(4),
    "takeOrdered_key": lambda sc: sc.parallelize([10, 1, 2, 9, 3, 4, 5, 6, 7], 3)
    .takeOrdered(4, key=lambda x: -x),
    "takeOrdered_strings_key": lambda sc: sc.parallelize(WORDS, 2).takeOrdered(3, key=len),
    "takeOrdered_ties_stable": lambda sc: sc.parallelize([(1, "b"), (0, "z"), (1, "a"), (0, "y")],
                                                         2).takeOrdered(3, key=lambda t: t[0]),
    "takeOrdered_more_than_count": lambda sc: nums(sc, 5, 2).takeOrdered(9),
    "top": lambda sc: sc.parallelize([10, 1, 2, 9, 3, 4, 5, 6, 7], 3).top(3),
    "top_key": lambda sc: sc.parallelize(WORDS, 3).top(3, key=len),
    "top_key_ties": lambda sc: sc.parallelize([(1, "b"), (0, "z"), (1, "a"), (0, "y")], 2)
    .top(3, key=lambda t: t[0]),
    "top_pairs": lambda sc: sc.parallelize([("a", 3), ("b", 1), ("c", 2)], 2).top(2),
    "top_zero": lambda sc: nums(sc).top(0),
    # reduce / fold / aggregate
    "reduce": lambda sc: nums(sc, 10, 3).reduce(add),
    "reduce_mul": lambda sc: sc.parallelize(range(1, 8), 4).reduce(mul),
    "reduce_one_element": lambda sc: sc.parallelize([42], 3).reduce(add),
    "reduce_order_sensitive": lambda sc: sc.parallelize(list("abcdefg"), 3).reduce(add),
    "reduce_max_tuples": lambda sc: sc.parallelize([(1, 2), (3, 0), (2, 9)], 2).reduce(max),
    "fold": lambda sc: nums(sc).fold(0, add),
    "fold_non_neutral_3": lambda sc: sc.parallelize([1, 2, 3], 3).fold(1, add),
    "fold_non_neutral_empty_partitions": lambda sc: sc.parallelize([1, 2], 5).fold(10, add),
    "fold_non_neutral_mul": lambda sc: sc.parallelize([1, 2, 3, 4], 2).fold(2, mul),
    "fold_empty": lambda sc: sc.parallelize([], 3).fold(7, add),
    "fold_strings": lambda sc: sc.parallelize(list("abcde"), 2).fold("_", add),
    "fold_list_zero_not_shared": lambda sc: nums(sc, 6, 3).map(lambda x: [x]).fold([], add),
    "aggregate": lambda sc: nums(sc, 10, 3).aggregate(
        (0, 0), lambda a, x: (a[0] + x, a[1] + 1), lambda a, b: (a[0] + b[0], a[1] + b[1])),
    "aggregate_non_neutral": lambda sc: nums(sc, 10, 4).aggregate(100, add, add),
    "aggregate_strings": lambda sc: sc.parallelize(WORDS, 3).aggregate(
        "", lambda acc, w: acc + w[0], lambda a, b: a + "|" + b),
    "aggregate_empty": lambda sc: sc.parallelize([], 2).aggregate(5, add, add),
    "treeReduce": lambda sc: nums(sc, 40, 8).treeReduce(add),
    "treeReduce_depth3": lambda sc: nums(sc, 40, 8).treeReduce(add, 3),
    "treeReduce_strings": lambda sc: sc.parallelize(list("abcdefghij"), 5).treeReduce(add),
    "treeReduce_depth1": lambda sc: nums(sc, 10, 4).treeReduce(add, 1),
    "treeAggregate": lambda sc: nums(sc, 40, 8).treeAggregate(0, add, add),
    "treeAggregate_depth3": lambda sc: nums(sc, 40, 8).treeAggregate(0, add, add, 3),
    "treeAggregate_non_neutral": lambda sc: nums(sc, 40, 8).treeAggregate(1, add, add),
    "treeAggregate_strings": lambda sc: sc.parallelize(list("abcdefghij"), 5).treeAggregate(
        "", add, add),
    "treeAggregate_empty": lambda sc: sc.parallelize([], 2).treeAggregate(0, add, add),
    # numeric
    "sum": lambda sc: nums(sc, 100, 7).sum(),
    "sum_floats": lambda sc: sc.parallelize(FLOATS, 3).sum(),
    "sum_empty": lambda sc: sc.parallelize([], 2).sum(),
    "mean": lambda sc: nums(sc, 10, 3).mean(),
    "mean_floats": lambda sc: sc.parallelize(FLOATS, 3).mean(),
    "mean_empty": lambda sc: sc.parallelize([], 2).mean(),
    "max": lambda sc: sc.parallelize([3, 9, -2, 7], 2).max(),
    "max_key": lambda sc: sc.parallelize(WORDS, 3).max(key=len),
    "max_key_ties": lambda sc: sc.parallelize([(1, "x"), (2, "y"), (2, "z"), (0, "w")], 2).max(
        key=lambda t: t[0]),
    "min": lambda sc: sc.parallelize([3, 9, -2, 7], 2).min(),
    "min_key": lambda sc: sc.parallelize(WORDS, 3).min(key=len),
    "min_strings": lambda sc: sc.parallelize(WORDS, 3).min(),
    "stdev": lambda sc: sc.parallelize(FLOATS, 3).stdev(),
    "variance": lambda sc: sc.parallelize(FLOATS, 3).variance(),
    "sampleStdev": lambda sc: sc.parallelize(FLOATS, 3).sampleStdev(),
    "sampleVariance": lambda sc: sc.parallelize(FLOATS, 3).sampleVariance(),
    "stdev_ints": lambda sc: nums(sc, 10, 3).stdev(),
    "variance_one": lambda sc: sc.parallelize([5], 2).variance(),
    "sampleStdev_one": lambda sc: sc.parallelize([5], 2).sampleStdev(),
    "stdev_empty": lambda sc: sc.parallelize([], 2).stdev(),
    "stats": lambda sc: sc.parallelize(FLOATS, 3).stats(),
    "stats_ints": lambda sc: nums(sc, 20, 4).stats(),
    "stats_empty": lambda sc: sc.parallelize([], 2).stats(),
    "stats_repr": lambda sc: repr(nums(sc, 5, 2).stats()),
    "stats_fields": lambda sc: (lambda s: (s.count(), s.sum(), s.mean(), s.max(), s.min()))(
        sc.parallelize(FLOATS, 2).stats()),
    "stats_asDict": lambda sc: sc.parallelize(FLOATS, 2).stats().asDict(),
    "stats_asDict_sample": lambda sc: sc.parallelize(FLOATS, 2).stats().asDict(sample=True),
    "stats_merge": lambda sc: (lambda s: (s.merge(100.0), s.count(), s.mean(), s.max()))(
        nums(sc, 5, 2).stats()),
    "stats_mergeStats": lambda sc: (lambda a, b: repr(a.mergeStats(b)))(
        nums(sc, 5, 2).stats(), sc.parallelize(FLOATS, 2).stats()),
    "stats_copy": lambda sc: repr(nums(sc, 5, 2).stats().copy()),
    # histogram
    "histogram_int_buckets": lambda sc: nums(sc, 51, 3).histogram(5),
    "histogram_one_bucket": lambda sc: nums(sc, 10, 3).histogram(1),
    "histogram_int_buckets_floats": lambda sc: sc.parallelize(FLOATS, 3).histogram(3),
    "histogram_int_buckets_uneven_range": lambda sc: sc.parallelize([0, 1, 2, 3, 10], 2)
    .histogram(3),
    "histogram_all_equal": lambda sc: sc.parallelize([4, 4, 4], 2).histogram(3),
    "histogram_many_buckets": lambda sc: sc.parallelize([0, 1], 2).histogram(4),
    "histogram_skips_nan_none": lambda sc: sc.parallelize([1.0, float("nan"), 3.0, None, 2.0],
                                                          2).histogram(2),
    "histogram_list_even": lambda sc: nums(sc, 51, 3).histogram([0, 10, 20, 30, 40, 50]),
    "histogram_list_uneven": lambda sc: nums(sc, 51, 3).histogram([0, 5, 25, 50]),
    "histogram_list_out_of_range": lambda sc: nums(sc, 51, 3).histogram([10, 20, 30]),
    "histogram_list_last_inclusive": lambda sc: sc.parallelize([1, 2, 3, 3], 2).histogram(
        [1, 2, 3]),
    "histogram_list_floats": lambda sc: sc.parallelize(FLOATS, 2).histogram(
        [-3.0, 0.0, 2.0, 8.0]),
    "histogram_list_two_edges": lambda sc: nums(sc, 10, 2).histogram([2, 5]),
    "histogram_list_strings": lambda sc: sc.parallelize(WORDS, 2).histogram(["a", "f", "p", "z"]),
    "histogram_empty_rdd_list": lambda sc: sc.parallelize([], 2).histogram([0, 1, 2]),
    # misc
    "isEmpty": lambda sc: (sc.parallelize([], 3).isEmpty(), nums(sc).isEmpty(),
                           sc.parallelize([1], 4).filter(lambda x: x > 1).isEmpty()),
    "countByValue": lambda sc: sc.parallelize(WORDS + ["fig", "kiwi"], 3).countByValue(),
    "countByValue_ints": lambda sc: sc.parallelize([1, 2, 1, 3, 1, 2], 2).countByValue(),
    "foreach": lambda sc: nums(sc).foreach(lambda x: None),
    "foreachPartition": lambda sc: nums(sc).foreachPartition(lambda it: sum(it)),
    "toLocalIterator": lambda sc: list(nums(sc, 10, 4).toLocalIterator()),
    "toLocalIterator_prefetch": lambda sc: list(nums(sc, 10, 4).toLocalIterator(True)),
    "toLocalIterator_empty_partitions": lambda sc: list(sc.parallelize([1], 3).toLocalIterator()),
    "collect_is_list": lambda sc: type(nums(sc).collect()).__name__,
    "minmax_via_reduce": lambda sc: nums(sc, 30, 4).map(lambda x: (x, x)).reduce(minmax),
}


@pytest.mark.parametrize("program", PROGRAMS.values(), ids=PROGRAMS.keys())
def test_program(check, program):
    check(program)
