"""portable_hash, Partitioner, and where hash and range partitioning put keys.

Expected hashes follow PySpark's ``portable_hash`` (pyspark/rdd.py): None is 0,
a tuple starts from 0x345678 and, per element, xors the element's hash,
multiplies by 1000003 and masks with sys.maxsize, then xors its length (-1
becomes -2); everything else is ``hash()``. String hashes depend on
PYTHONHASHSEED; minispark's workers always run with seed 0, so the reference
for strings is a fresh interpreter started with PYTHONHASHSEED=0.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minispark.partitioner import Partitioner, portable_hash

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def reference_portable_hash(x):
    """PySpark's algorithm, written out independently of minispark."""
    if x is None:
        return 0
    if isinstance(x, tuple):
        h = 0x345678
        for item in x:
            h ^= reference_portable_hash(item)
            h *= 1000003
            h &= sys.maxsize
        h ^= len(x)
        if h == -1:
            h = -2
        return int(h)
    return hash(x)


def seed0_hashes(strings):
    """hash() of each string in an interpreter started with PYTHONHASHSEED=0."""
    code = "import json, sys; print(json.dumps([hash(s) for s in json.load(sys.stdin)]))"
    proc = subprocess.run([sys.executable, "-c", code], input=json.dumps(strings), text=True,
                          capture_output=True, check=True,
                          env=dict(os.environ, PYTHONHASHSEED="0"))
    return json.loads(proc.stdout)


# -- portable_hash --------------------------------------------------------------------------

def test_portable_hash_of_none_and_ints():
    assert portable_hash(None) == 0
    assert portable_hash(0) == 0
    assert portable_hash(7) == 7
    assert portable_hash(-1) == -2          # CPython: hash(-1) == -2
    assert portable_hash(2 ** 61 - 1) == 0  # ints hash modulo the Mersenne prime 2**61 - 1
    assert portable_hash(True) == 1


def test_portable_hash_of_tuples_by_hand():
    # (): no element, 0x345678 ^ len 0
    assert portable_hash(()) == 0x345678 == 3430008
    # (None,): (0x345678 ^ 0) * 1000003 = 3430018290024, then ^ 1
    assert portable_hash((None,)) == 3430018290025
    # (None, 1): 3430018290024 ^ 1 = 3430018290025; * 1000003 = 3430028580079870075
    # (below sys.maxsize, so the mask keeps it); ^ len 2 clears bit 1.
    assert portable_hash((None, 1)) == 3430028580079870073


@given(st.recursive(st.none() | st.integers() | st.booleans(),
                    lambda inner: st.tuples(inner) | st.tuples(inner, inner)
                    | st.tuples(inner, inner, inner), max_leaves=8))
@settings(max_examples=200, deadline=None)
def test_portable_hash_matches_pysparks_algorithm(key):
    assert portable_hash(key) == reference_portable_hash(key)


def test_portable_hash_of_tuple_is_masked_nonnegative():
    # a long tuple multiplies past sys.maxsize: the mask keeps it in range
    key = tuple(range(20))
    assert 0 <= portable_hash(key) <= sys.maxsize
    assert portable_hash(key) == reference_portable_hash(key)


def test_workers_hash_strings_with_seed_zero(sc):
    words = ["a", "spark", "minispark", "", "ünïcode", "key-42"]
    in_workers = sc.parallelize(words, 2).map(portable_hash).collect()
    assert in_workers == seed0_hashes(words)


def test_string_keys_land_in_their_seed_zero_partition(sc):
    words = [f"user{i}" for i in range(40)] + ["a", "b", "", "spark"]
    expected = {w: h % 3 for w, h in zip(words, seed0_hashes(words), strict=True)}
    parts = sc.parallelize([(w, 1) for w in words], 2).partitionBy(3).glom().collect()
    assert len(parts) == 3
    placed = {k: i for i, part in enumerate(parts) for k, _ in part}
    assert placed == expected


# -- Partitioner ----------------------------------------------------------------------------

def test_partitioner_equality_is_by_count_and_function_identity():
    p = Partitioner(4, portable_hash)
    assert p == Partitioner(4, portable_hash)
    assert hash(p) == hash(Partitioner(4, portable_hash))
    assert p != Partitioner(5, portable_hash)
    assert p != Partitioner(4, lambda k: portable_hash(k))  # same values, other function
    assert p != "Partitioner(4, portable_hash)"


def test_partitioner_call_is_function_mod_count():
    p = Partitioner(4, portable_hash)
    assert [p(k) for k in range(9)] == [0, 1, 2, 3, 0, 1, 2, 3, 0]
    assert p(-1) == (-2) % 4 == 2   # Python's modulo: never negative
    assert p(None) == 0
    custom = Partitioner(3, len)
    assert [custom(w) for w in ["", "ab", "abcd"]] == [0, 2, 1]


def test_shuffled_rdds_expose_equal_partitioners(sc):
    pairs = sc.parallelize([(1, 1), (2, 2)], 2)
    assert pairs.partitioner is None
    a, b = pairs.partitionBy(3), pairs.reduceByKey(lambda x, y: x + y, 3)
    assert a.partitioner == b.partitioner == Partitioner(3, portable_hash)
    assert a.mapValues(str).partitioner == a.partitioner   # mapValues keeps it
    assert a.map(lambda kv: kv).partitioner is None          # map may change keys
    assert a.partitionBy(3) is a                              # already partitioned that way


# -- properties of hash and range partitioning ------------------------------------------------

hash_keys = st.one_of(st.none(), st.integers(-50, 50), st.text(max_size=4),
                      st.tuples(st.integers(0, 5), st.text(max_size=2)))


@given(pairs=st.lists(st.tuples(hash_keys, st.integers()), max_size=60),
       source_parts=st.integers(1, 4), n=st.integers(1, 6))
@SETTINGS
def test_partition_by_puts_every_key_in_portable_hash_mod_n(sc, pairs, source_parts, n):
    rdd = sc.parallelize(pairs, source_parts).partitionBy(n)
    assert rdd.getNumPartitions() == n
    # The reference hash runs inside the tasks, i.e. with the workers' seed 0.
    placed = rdd.mapPartitionsWithIndex(
        lambda i, it: [(i, reference_portable_hash(k) % n, (k, v)) for k, v in it]).collect()
    assert all(actual == wanted for actual, wanted, _ in placed)
    assert sorted(map(repr, (kv for _, _, kv in placed))) == sorted(map(repr, pairs))


@given(pairs=st.lists(st.tuples(st.integers(-1000, 1000), st.integers()), max_size=80),
       source_parts=st.integers(1, 4), n=st.integers(1, 5), ascending=st.booleans())
@SETTINGS
def test_sort_by_key_is_globally_sorted_with_ordered_partitions(sc, pairs, source_parts, n,
                                                                 ascending):
    rdd = sc.parallelize(pairs, source_parts).sortByKey(ascending, n)
    parts = rdd.glom().collect()
    flat = [kv for part in parts for kv in part]
    keys = [k for k, _ in flat]
    assert keys == sorted(keys, reverse=not ascending)
    assert sorted(flat) == sorted(pairs)
    # each partition's keys all come before the next non-empty partition's
    ranges = [(min(k for k, _ in p), max(k for k, _ in p)) for p in parts if p]
    for (lo1, hi1), (lo2, hi2) in itertools.pairwise(ranges):
        if ascending:
            assert hi1 < lo2
        else:
            assert lo1 > hi2
    assert rdd.collect() == flat


@pytest.mark.parametrize("n", [1, 2, 4])
def test_sort_by_key_of_strings(sc, n):
    words = ["pear", "apple", "fig", "kiwi", "banana", "apple", "cherry", "date"]
    pairs = [(w, i) for i, w in enumerate(words)]
    result = sc.parallelize(pairs, 3).sortByKey(numPartitions=n).keys().collect()
    assert result == sorted(words)
    assert sc.parallelize(pairs, 3).sortByKey(False, n).keys().collect() == \
        sorted(words, reverse=True)
