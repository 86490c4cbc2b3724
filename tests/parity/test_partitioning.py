"""Which record lands in which partition, and how many partitions each operation makes.

PySpark's slicing is not "even by element": parallelize() slices serialised
batches, repartition() moves records in batches of 10, joins default to n1 + n2
partitions. Every program here compares glom() or getNumPartitions().
"""

from operator import add

import pytest


def glom(rdd):
    return rdd.glom().collect()


def parts(rdd):
    return rdd.getNumPartitions()


def partitioner_info(rdd):
    """What a user can see of the partitioner (functions differ between engines)."""
    p = rdd.partitioner
    return None if p is None else ("Partitioner", p.numPartitions)


# Each task costs PySpark ~35 ms, so the grid is chosen, not exhaustive: sizes around
# the slicing boundaries (fewer items than slices, uneven remainders, more than one
# 1024-record serialisation batch) and slice counts that do and do not divide them.
SIZES = [0, 1, 2, 5, 11, 25, 100, 3000]
SLICES = [1, 2, 3, 4, 7]


def _slices_program(make, size):
    return lambda sc: {n: glom(sc.parallelize(make(size), n)) for n in SLICES}


def _lists(n):
    return list(range(n))


def _ranges(n):
    return range(n)


def _tuples(n):
    return tuple(f"s{i}" for i in range(n))


PARALLELIZE = {}
for _size in SIZES:
    PARALLELIZE[f"list_{_size}"] = _slices_program(_lists, _size)
    PARALLELIZE[f"range_{_size}"] = _slices_program(_ranges, _size)
for _size in [3, 11]:
    PARALLELIZE[f"tuple_{_size}"] = _slices_program(_tuples, _size)

PARALLELIZE.update({
    "range_step": lambda sc: {n: glom(sc.parallelize(range(3, 40, 4), n)) for n in SLICES},
    "range_negative_step": lambda sc: {n: glom(sc.parallelize(range(20, -3, -3), n))
                                       for n in SLICES},
    "range_empty_reverse": lambda sc: glom(sc.parallelize(range(5, 0), 3)),
    "range_default_slices": lambda sc: glom(sc.parallelize(range(9))),
    "list_default_slices": lambda sc: glom(sc.parallelize(list(range(9)))),
    "string": lambda sc: glom(sc.parallelize("abcdefg", 3)),
    "generator": lambda sc: glom(sc.parallelize((x * x for x in range(7)), 3)),
    "set": lambda sc: sorted(sc.parallelize({1, 2, 3, 4}, 2).collect()),
    "dict_keys": lambda sc: glom(sc.parallelize({"a": 1, "b": 2, "c": 3}, 2)),
    "list_of_tuples": lambda sc: glom(sc.parallelize([(i, str(i)) for i in range(11)], 4)),
    "list_of_none": lambda sc: glom(sc.parallelize([None] * 7, 3)),
    "mixed_types": lambda sc: glom(sc.parallelize([1, "a", 2.5, None, (1,), [2], {"k": 1}], 3)),
    "large_batch_boundary": lambda sc: [len(p) for p in glom(sc.parallelize(list(range(2049)),
                                                                             2))],
    "numSlices_float": lambda sc: glom(sc.parallelize([1, 2, 3, 4], 2.0)),
})

SC_RANGE = {
    "range_end": lambda sc: glom(sc.range(10)),
    "range_start_end": lambda sc: glom(sc.range(3, 12)),
    "range_step": lambda sc: glom(sc.range(0, 20, 3)),
    "range_step_slices": lambda sc: glom(sc.range(0, 20, 3, 4)),
    "range_negative": lambda sc: glom(sc.range(10, 0, -2, 3)),
    "range_empty": lambda sc: glom(sc.range(5, 5, 1, 3)),
    "range_more_slices": lambda sc: glom(sc.range(0, 3, 1, 7)),
    "range_large": lambda sc: [len(p) for p in glom(sc.range(0, 10001, 7, 6))],
    "range_numSlices_1": lambda sc: glom(sc.range(1, 8, numSlices=1)),
    "range_count": lambda sc: sc.range(-50, 50, 3, 5).count(),
}


def _shuffle_cases():
    cases = {}
    for size in [0, 5, 25, 100]:
        for n in [1, 3, 4]:
            cases[f"repartition_range{size}_to{n}"] = (
                lambda sc, size=size, n=n: glom(sc.parallelize(range(size), 3).repartition(n))
            )
    for size, src in [(25, 2), (30, 5), (7, 4)]:
        for n in [2, 4]:
            cases[f"coalesce_shuffle_{size}_from{src}_to{n}"] = (
                lambda sc, size=size, src=src, n=n: glom(
                    sc.parallelize(list(range(size)), src).coalesce(n, True))
            )
            cases[f"coalesce_{size}_from{src}_to{n}"] = (
                lambda sc, size=size, src=src, n=n: glom(
                    sc.parallelize(list(range(size)), src).coalesce(n))
            )
    cases.update({
        "repartition_default_25_to_4": lambda sc: glom(sc.parallelize(range(25)).repartition(4)),
        "repartition_list_25_to_4": lambda sc: glom(sc.parallelize(list(range(25))).repartition(4)),
        "repartition_pairs": lambda sc: glom(
            sc.parallelize([(i % 3, i) for i in range(30)], 3).repartition(5)
        ),
        "repartition_strings": lambda sc: glom(sc.parallelize([str(i) for i in range(40)], 2)
                                               .repartition(3)),
        "repartition_after_map": lambda sc: glom(sc.parallelize(range(60), 4)
                                                 .map(lambda x: x * 2).repartition(3)),
        "repartition_up_then_down": lambda sc: glom(sc.parallelize(range(50), 2).repartition(6)
                                                    .coalesce(2)),
        "coalesce_more_than_current": lambda sc: glom(sc.parallelize(range(10), 2).coalesce(5)),
        "coalesce_same": lambda sc: glom(sc.parallelize(range(10), 3).coalesce(3)),
        "coalesce_to_1": lambda sc: glom(sc.parallelize(range(10), 6).coalesce(1)),
        "coalesce_8_to_3": lambda sc: glom(sc.parallelize(range(16), 8).coalesce(3)),
        "coalesce_7_to_2": lambda sc: glom(sc.parallelize(range(16), 7).coalesce(2)),
        "coalesce_keeps_partitioner": lambda sc: partitioner_info(
            sc.parallelize([(1, 1)], 2).partitionBy(4).coalesce(2)),
    })
    return cases


def _pair(sc, n):
    return sc.parallelize([(i % 4, i) for i in range(12)], n)


def _other(sc, n):
    return sc.parallelize([(i % 3, -i) for i in range(6)], n)


# getNumPartitions of join-like operations, with and without numPartitions.
def _join_counts(sc):
    out = {}
    for name in ["join", "leftOuterJoin", "rightOuterJoin", "fullOuterJoin", "cogroup",
                 "subtractByKey", "groupWith"]:
        a, b = _pair(sc, 3), _other(sc, 2)
        out[name] = parts(getattr(a, name)(b))
        if name != "groupWith":
            out[name + "_n5"] = parts(getattr(a, name)(b, 5))
    a, b = sc.parallelize(range(10), 3), sc.parallelize(range(5), 2)
    out["intersection"] = parts(a.intersection(b))
    out["subtract"] = parts(a.subtract(b))
    out["subtract_n4"] = parts(a.subtract(b, 4))
    out["union"] = parts(a.union(b))
    out["cartesian"] = parts(a.cartesian(b))
    out["distinct"] = parts(a.distinct())
    out["distinct_n"] = parts(a.distinct(7))
    out["groupByKey"] = parts(_pair(sc, 3).groupByKey())
    out["reduceByKey"] = parts(_pair(sc, 3).reduceByKey(add))
    out["sortByKey"] = parts(_pair(sc, 3).sortByKey())
    out["sortBy"] = parts(a.sortBy(lambda x: x))
    out["groupBy"] = parts(a.groupBy(lambda x: x % 2))
    out["zipWithIndex"] = parts(a.zipWithIndex())
    out["glom"] = parts(a.glom())
    out["pipe"] = parts(a.pipe("cat"))
    out["keyBy"] = parts(a.keyBy(str))
    out["sample"] = parts(a.sample(False, 0.5, 1))
    out["randomSplit"] = [parts(r) for r in a.randomSplit([1.0, 1.0], 1)]
    out["emptyRDD"] = parts(sc.emptyRDD())
    out["parallelize_empty"] = parts(sc.parallelize([], 3))
    out["range"] = parts(sc.range(10))
    return out


def _partitioner_rules(sc):
    base = _pair(sc, 3)
    p3 = base.partitionBy(3)
    p3b = _other(sc, 2).partitionBy(3)
    p2 = _other(sc, 2).partitionBy(2)
    return {
        "parallelize": partitioner_info(base),
        "partitionBy": partitioner_info(p3),
        "mapValues": partitioner_info(p3.mapValues(str)),
        "flatMapValues": partitioner_info(p3.flatMapValues(lambda v: [v])),
        "map": partitioner_info(p3.map(lambda kv: kv)),
        "map_preserving": partitioner_info(p3.map(lambda kv: kv, True)),
        "filter": partitioner_info(p3.filter(lambda kv: True)),
        "mapPartitions": partitioner_info(p3.mapPartitions(lambda it: it)),
        "mapPartitions_preserving": partitioner_info(p3.mapPartitions(lambda it: it, True)),
        "keys": partitioner_info(p3.keys()),
        "reduceByKey": partitioner_info(base.reduceByKey(add)),
        "reduceByKey_n": partitioner_info(base.reduceByKey(add, 5)),
        "groupByKey": partitioner_info(base.groupByKey()),
        "sortByKey": partitioner_info(base.sortByKey()),
        "join": partitioner_info(base.join(_other(sc, 2))),
        "union_same_partitioner": partitioner_info(p3.union(p3b)),
        "union_same_partitioner_parts": parts(p3.union(p3b)),
        "union_same_partitioner_glom": glom(p3.union(p3b)),
        "union_different_partitioner": partitioner_info(p3.union(p2)),
        "union_different_partitioner_parts": parts(p3.union(p2)),
        "union_different_partitioner_glom": glom(p3.union(p2)),
        "union_no_partitioner": parts(base.union(p3)),
        "partitioners_equal": p3.partitioner == p3b.partitioner,
        "partitioners_differ": p3.partitioner == p2.partitioner,
        "custom_partitioner_equal_same_func": (
            base.partitionBy(2, abs).partitioner == _other(sc, 1).partitionBy(2, abs).partitioner
        ),
        "reduceByKey_after_partitionBy": partitioner_info(p3.reduceByKey(add)),
        "reduceByKey_after_partitionBy_glom": glom(p3.reduceByKey(add)),
        "join_copartitioned_parts": parts(p3.join(p3b)),
        "join_copartitioned_glom": glom(p3.join(p3b)),
        "cogroup_copartitioned_parts": parts(p3.cogroup(p3b)),
        "join_one_partitioned_parts": parts(p3.join(_other(sc, 5))),
        "join_one_partitioned_glom": glom(p3.join(_other(sc, 5))),
    }


OTHER = {
    "join_like_partition_counts": _join_counts,
    "partitioner_rules": _partitioner_rules,
    "mapValues_keeps_placement": lambda sc: glom(_pair(sc, 2).partitionBy(3).mapValues(str)),
    "map_after_partitionBy": lambda sc: glom(_pair(sc, 2).partitionBy(3).map(lambda kv: kv[::-1])),
    "partitionBy_then_groupByKey": lambda sc: glom(_pair(sc, 2).partitionBy(4).groupByKey()),
    "getNumPartitions_chain": lambda sc: [
        parts(r) for r in [
            sc.parallelize(range(9), 4),
            sc.parallelize(range(9), 4).map(str),
            sc.parallelize(range(9), 4).filter(bool).flatMap(lambda x: [x]),
            sc.parallelize(range(9), 4).mapPartitions(lambda it: it),
            sc.parallelize(range(9), 4).coalesce(2),
            sc.parallelize(range(9), 4).repartition(6),
            sc.parallelize(range(9), 4).zip(sc.parallelize(range(9), 4)),
        ]
    ],
}


@pytest.mark.parametrize("program", PARALLELIZE.values(), ids=PARALLELIZE.keys())
def test_parallelize(check, program):
    check(program)


@pytest.mark.parametrize("program", SC_RANGE.values(), ids=SC_RANGE.keys())
def test_sc_range(check, program):
    check(program)


SHUFFLES = _shuffle_cases()


@pytest.mark.parametrize("program", SHUFFLES.values(), ids=SHUFFLES.keys())
def test_repartition_coalesce(check, program):
    check(program)


@pytest.mark.parametrize("program", OTHER.values(), ids=OTHER.keys())
def test_partition_rules(check, program):
    check(program)
