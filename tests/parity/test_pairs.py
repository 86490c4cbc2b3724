"""Key-value operations: results *and* where each record lands (glom)."""

from operator import add

import pytest


def glom(rdd):
    return rdd.glom().collect()


# Small pair data sets; string keys hash through portable_hash (PYTHONHASHSEED=0 in
# the workers of both engines), ints hash to themselves, -1 hashes to -2.
PAIRS = [("a", 1), ("b", 2), ("a", 3), ("c", 4), ("b", 5), ("a", 6), ("d", 7)]
INT_PAIRS = [(i % 5, i) for i in range(17)] + [(-1, 100), (-7, 7)]
OTHER = [("a", "x"), ("c", "y"), ("e", "z"), ("a", "w")]


def pairs(sc, slices=3):
    return sc.parallelize(PAIRS, slices)


def int_pairs(sc, slices=4):
    return sc.parallelize(INT_PAIRS, slices)


def other(sc, slices=2):
    return sc.parallelize(OTHER, slices)


def mod3(key):
    return key % 3


def first_letter_code(key):
    return ord(key[0])


PROGRAMS = {
    # mapValues / flatMapValues / keys / values
    "mapValues": lambda sc: glom(pairs(sc).mapValues(lambda v: v * 10)),
    "mapValues_to_tuple": lambda sc: glom(pairs(sc).mapValues(lambda v: (v, v))),
    "flatMapValues": lambda sc: glom(pairs(sc).flatMapValues(lambda v: range(v % 3))),
    "flatMapValues_strings": lambda sc: glom(other(sc).flatMapValues(lambda v: v * 2)),
    "keys": lambda sc: glom(pairs(sc).keys()),
    "values": lambda sc: glom(pairs(sc).values()),
    "keys_of_lists": lambda sc: glom(sc.parallelize([[1, 2], [3, 4]], 2).keys()),
    "values_of_triples": lambda sc: glom(sc.parallelize([(1, 2, 3), (4, 5, 6)], 1).values()),
    # groupByKey
    "groupByKey": lambda sc: glom(pairs(sc).groupByKey()),
    "groupByKey_n": lambda sc: glom(pairs(sc).groupByKey(2)),
    "groupByKey_n1": lambda sc: glom(pairs(sc).groupByKey(1)),
    "groupByKey_int": lambda sc: glom(int_pairs(sc).groupByKey(3)),
    "groupByKey_partitionFunc": lambda sc: glom(int_pairs(sc).groupByKey(3, mod3)),
    "groupByKey_mapValues_len": lambda sc: glom(pairs(sc).groupByKey().mapValues(len)),
    "groupByKey_tuple_keys": lambda sc: glom(
        sc.parallelize([((1, "a"), 1), ((1, "a"), 2), ((2, "b"), 3)], 2).groupByKey()
    ),
    "groupByKey_none_key": lambda sc: glom(
        sc.parallelize([(None, 1), (None, 2), (0, 3)], 2).groupByKey()
    ),
    # reduceByKey
    "reduceByKey": lambda sc: glom(pairs(sc).reduceByKey(add)),
    "reduceByKey_n": lambda sc: glom(pairs(sc).reduceByKey(add, 4)),
    "reduceByKey_int": lambda sc: glom(int_pairs(sc).reduceByKey(add)),
    "reduceByKey_int_n5": lambda sc: glom(int_pairs(sc).reduceByKey(add, 5)),
    "reduceByKey_partitionFunc": lambda sc: glom(int_pairs(sc).reduceByKey(add, 3, mod3)),
    "reduceByKey_string_concat": lambda sc: glom(other(sc).reduceByKey(add)),
    "reduceByKey_max": lambda sc: glom(int_pairs(sc).reduceByKey(max, 2)),
    "reduceByKey_float": lambda sc: glom(
        sc.parallelize([("x", 0.1), ("x", 0.2), ("y", 1e10), ("y", 1e-10)], 2).reduceByKey(add)
    ),
    "reduceByKey_bool_keys": lambda sc: glom(
        sc.parallelize([(True, 1), (False, 2), (1, 3), (0, 4)], 2).reduceByKey(add)
    ),
    "reduceByKey_empty": lambda sc: glom(sc.parallelize([], 2).reduceByKey(add)),
    # foldByKey, aggregateByKey, combineByKey
    "foldByKey": lambda sc: glom(pairs(sc).foldByKey(0, add)),
    "foldByKey_non_neutral_zero": lambda sc: glom(pairs(sc).foldByKey(100, add)),
    "foldByKey_non_neutral_n": lambda sc: glom(int_pairs(sc, 5).foldByKey(1, add, 2)),
    "foldByKey_list_zero": lambda sc: glom(
        pairs(sc).mapValues(lambda v: [v]).foldByKey([], add)
    ),
    "aggregateByKey": lambda sc: glom(
        pairs(sc).aggregateByKey((0, 0), lambda a, v: (a[0] + v, a[1] + 1),
                                 lambda a, b: (a[0] + b[0], a[1] + b[1]))
    ),
    "aggregateByKey_non_neutral": lambda sc: glom(int_pairs(sc).aggregateByKey(10, add, add, 3)),
    "aggregateByKey_list": lambda sc: glom(
        pairs(sc, 4).aggregateByKey([], lambda a, v: a + [v], lambda a, b: a + b)
    ),
    "aggregateByKey_set": lambda sc: glom(
        int_pairs(sc).aggregateByKey(set(), lambda s, v: s | {v % 2}, lambda a, b: a | b)
    ),
    "combineByKey": lambda sc: glom(
        pairs(sc).combineByKey(lambda v: [v], lambda c, v: c + [v], lambda a, b: a + b)
    ),
    "combineByKey_n_partitionFunc": lambda sc: glom(
        int_pairs(sc).combineByKey(str, lambda c, v: c + str(v), add, 2, mod3)
    ),
    "combineByKey_average": lambda sc: glom(
        int_pairs(sc).combineByKey(lambda v: (v, 1), lambda c, v: (c[0] + v, c[1] + 1),
                                   lambda a, b: (a[0] + b[0], a[1] + b[1]))
        .mapValues(lambda c: c[0] / c[1])
    ),
    # joins
    "join": lambda sc: glom(pairs(sc).join(other(sc))),
    "join_n": lambda sc: glom(pairs(sc).join(other(sc), 2)),
    "join_int": lambda sc: glom(int_pairs(sc).join(sc.parallelize([(0, "z"), (3, "t")], 1))),
    "join_empty": lambda sc: glom(pairs(sc).join(sc.parallelize([], 1))),
    "join_self": lambda sc: glom((r := sc.parallelize([(1, "a"), (1, "b"), (2, "c")], 2)).join(r)),
    "leftOuterJoin": lambda sc: glom(pairs(sc).leftOuterJoin(other(sc))),
    "leftOuterJoin_n": lambda sc: glom(pairs(sc).leftOuterJoin(other(sc), 1)),
    "rightOuterJoin": lambda sc: glom(pairs(sc).rightOuterJoin(other(sc))),
    "rightOuterJoin_n": lambda sc: glom(pairs(sc).rightOuterJoin(other(sc), 3)),
    "fullOuterJoin": lambda sc: glom(pairs(sc).fullOuterJoin(other(sc))),
    "fullOuterJoin_n": lambda sc: glom(pairs(sc).fullOuterJoin(other(sc), 2)),
    "fullOuterJoin_int": lambda sc: glom(
        int_pairs(sc, 2).fullOuterJoin(sc.parallelize([(9, 9), (-1, 1)], 2), 3)
    ),
    "cogroup": lambda sc: glom(pairs(sc).cogroup(other(sc))),
    "cogroup_n": lambda sc: glom(pairs(sc).cogroup(other(sc), 2)),
    "cogroup_int": lambda sc: glom(int_pairs(sc).cogroup(sc.parallelize([(1, "x")], 1), 4)),
    "groupWith": lambda sc: glom(pairs(sc).groupWith(other(sc))),
    "groupWith_three": lambda sc: glom(
        pairs(sc).groupWith(other(sc), sc.parallelize([("d", None), ("z", 0)], 1))
    ),
    "groupWith_four": lambda sc: glom(
        pairs(sc, 1).groupWith(other(sc, 1), other(sc, 1), sc.parallelize([("q", 1)], 1))
    ),
    "subtractByKey": lambda sc: glom(pairs(sc).subtractByKey(other(sc))),
    "subtractByKey_n": lambda sc: glom(pairs(sc).subtractByKey(other(sc), 2)),
    "subtractByKey_int": lambda sc: glom(
        int_pairs(sc).subtractByKey(sc.parallelize([(0, 0), (2, 0)], 1))
    ),
    # actions on pairs
    "countByKey": lambda sc: pairs(sc).countByKey(),
    "countByKey_int": lambda sc: int_pairs(sc).countByKey(),
    "collectAsMap": lambda sc: pairs(sc).collectAsMap(),
    "collectAsMap_int": lambda sc: int_pairs(sc).collectAsMap(),
    "lookup": lambda sc: int_pairs(sc).lookup(3),
    "lookup_missing": lambda sc: int_pairs(sc).lookup(42),
    "lookup_partitioned": lambda sc: int_pairs(sc).partitionBy(3).lookup(4),
    "lookup_reduced": lambda sc: int_pairs(sc).reduceByKey(add, 2).lookup(-1),
    "lookup_string_unpartitioned": lambda sc: pairs(sc).lookup("a"),
    "reduceByKeyLocally": lambda sc: pairs(sc).reduceByKeyLocally(add),
    "reduceByKeyLocally_int": lambda sc: int_pairs(sc).reduceByKeyLocally(add),
    # sortByKey / sortBy
    "sortByKey": lambda sc: glom(pairs(sc).sortByKey()),
    "sortByKey_desc": lambda sc: glom(pairs(sc).sortByKey(False)),
    "sortByKey_n1": lambda sc: glom(pairs(sc).sortByKey(True, 1)),
    "sortByKey_n2": lambda sc: glom(int_pairs(sc).sortByKey(True, 2)),
    "sortByKey_n4_desc": lambda sc: glom(int_pairs(sc).sortByKey(False, 4)),
    "sortByKey_n5": lambda sc: glom(sc.parallelize([(x, x) for x in range(100)], 3)
                                    .sortByKey(True, 5)),
    "sortByKey_more_partitions_than_keys": lambda sc: glom(
        sc.parallelize([(1, 1), (2, 2)], 2).sortByKey(True, 6)
    ),
    "sortByKey_keyfunc": lambda sc: glom(
        sc.parallelize([("B", 1), ("a", 2), ("C", 3), ("b", 4)], 2).sortByKey(
            keyfunc=str.lower)
    ),
    "sortByKey_keyfunc_desc_n": lambda sc: glom(
        int_pairs(sc).sortByKey(False, 3, keyfunc=lambda k: -abs(k))
    ),
    "sortByKey_stable_values": lambda sc: glom(int_pairs(sc).sortByKey(True, 3)),
    "sortByKey_strings_many": lambda sc: glom(
        sc.parallelize([(w, i) for i, w in enumerate("the quick brown fox jumps over the lazy "
                                                     "dog again and again".split())], 3)
        .sortByKey(True, 3)
    ),
    "sortByKey_empty": lambda sc: glom(sc.parallelize([], 2).sortByKey()),
    "sortBy": lambda sc: glom(sc.parallelize([5, 3, 9, 1, 7, 2], 3).sortBy(lambda x: x)),
    "sortBy_desc": lambda sc: glom(sc.parallelize([5, 3, 9, 1, 7, 2], 3).sortBy(lambda x: x,
                                                                                False)),
    "sortBy_n": lambda sc: glom(sc.parallelize(range(30), 3).sortBy(lambda x: -x, True, 4)),
    "sortBy_second": lambda sc: glom(pairs(sc).sortBy(lambda kv: kv[1], False, 2)),
    # partitionBy
    "partitionBy_default": lambda sc: glom(pairs(sc).partitionBy(3)),
    "partitionBy_int": lambda sc: glom(int_pairs(sc).partitionBy(4)),
    "partitionBy_1": lambda sc: glom(int_pairs(sc).partitionBy(1)),
    "partitionBy_custom": lambda sc: glom(int_pairs(sc).partitionBy(3, mod3)),
    "partitionBy_custom_strings": lambda sc: glom(pairs(sc).partitionBy(2, first_letter_code)),
    "partitionBy_lambda_negative": lambda sc: glom(int_pairs(sc).partitionBy(3, lambda k: -k)),
    "partitionBy_tuple_keys": lambda sc: glom(
        sc.parallelize([((i, str(i)), i) for i in range(8)], 2).partitionBy(3)
    ),
    "partitionBy_float_keys": lambda sc: glom(
        sc.parallelize([(i / 2, i) for i in range(-4, 8)], 2).partitionBy(3)
    ),
    "partitionBy_none_key": lambda sc: glom(
        sc.parallelize([(None, 1), (0, 2), (1, 3)], 1).partitionBy(2)
    ),
    "partitionBy_frozenset_key": lambda sc: glom(
        sc.parallelize([(frozenset([1, 2]), 1), (frozenset(), 2)], 1).partitionBy(2)
    ),
    "partitionBy_same_again": lambda sc: glom(int_pairs(sc).partitionBy(3).partitionBy(3)),
    "partitionBy_then_reduceByKey": lambda sc: glom(
        int_pairs(sc).partitionBy(3).reduceByKey(add, 3)
    ),
    "partitionBy_custom_then_reduceByKey_same_func": lambda sc: glom(
        int_pairs(sc).partitionBy(3, mod3).reduceByKey(add, 3, mod3)
    ),
    # repartitionAndSortWithinPartitions
    "repartitionAndSortWithinPartitions": lambda sc: glom(
        int_pairs(sc).repartitionAndSortWithinPartitions(3)
    ),
    "repartitionAndSortWithinPartitions_desc": lambda sc: glom(
        int_pairs(sc).repartitionAndSortWithinPartitions(2, ascending=False)
    ),
    "repartitionAndSortWithinPartitions_custom": lambda sc: glom(
        int_pairs(sc).repartitionAndSortWithinPartitions(3, mod3, True, lambda k: -k)
    ),
    "repartitionAndSortWithinPartitions_strings": lambda sc: glom(
        pairs(sc).repartitionAndSortWithinPartitions(2)
    ),
}


@pytest.mark.parametrize("program", PROGRAMS.values(), ids=PROGRAMS.keys())
def test_program(check, program):
    check(program)
