"""Broadcast variables: shipped once per worker, not once per task."""

from __future__ import annotations

import pickle

import pytest

from minispark import Broadcast
from minispark.errors import PythonException


def test_broadcast_value_is_read_in_tasks_and_on_the_driver(sc):
    table = sc.broadcast({1: "one", 2: "two"})
    assert isinstance(table, Broadcast)
    out = sc.parallelize([1, 2, 3], 2).map(lambda x: table.value.get(x, "?")).collect()
    assert out == ["one", "two", "?"]
    assert table.value == {1: "one", 2: "two"}


def test_broadcast_used_by_200_tasks_is_loaded_at_most_once_per_worker(sc, events):
    big = {i: str(i) for i in range(20_000)}
    table = sc.broadcast(big)
    total = sc.parallelize(range(200), 200).map(lambda i: len(table.value[i])).sum()
    assert total == sum(len(str(i)) for i in range(200))
    metrics = events.task_metrics()
    assert len(metrics) == 200
    fetches = sum(m.broadcast_fetches for m in metrics)
    assert 1 <= fetches <= 2  # two worker processes
    # and each fetch moved the whole serialised table, once
    assert sum(m.broadcast_fetch_bytes for m in metrics) == fetches * table.serialized_bytes
    # a second job on the same workers loads nothing again
    events.clear()
    sc.parallelize(range(10), 10).map(lambda i: table.value[i]).collect()
    assert sum(m.broadcast_fetches for m in events.task_metrics()) == 0


def test_closure_capture_ships_the_table_in_the_task_binary_broadcast_does_not(sc, events):
    big = {i: f"value-{i:012d}" for i in range(20_000)}  # ~30 bytes per entry
    sc.parallelize(range(4), 4).map(lambda i: big[i]).count()
    captured = max(m.task_binary_bytes for m in events.task_metrics())
    events.clear()
    table = sc.broadcast(big)
    sc.parallelize(range(4), 4).map(lambda i: table.value[i]).count()
    broadcast = max(m.task_binary_bytes for m in events.task_metrics())
    assert captured > 400_000          # the dict travels inside the task
    assert broadcast < 20_000          # only the broadcast's id and path do
    assert table.serialized_bytes > 400_000


def test_unpersist_drops_worker_copies_which_are_reloaded(sc, events):
    table = sc.broadcast([1, 2, 3])
    sc.parallelize(range(4), 2).map(lambda i: table.value[0]).collect()
    table.unpersist()
    events.clear()
    assert sc.parallelize(range(4), 2).map(lambda i: table.value[1]).collect() == [2] * 4
    assert sum(m.broadcast_fetches for m in events.task_metrics()) >= 1


def test_destroyed_broadcast_cannot_be_used_in_a_task(sc):
    table = sc.broadcast(5)
    table.destroy()
    with pytest.raises(pickle.PicklingError, match="was destroyed"):
        sc.parallelize([1]).map(lambda x: table.value).collect()
    # the context is still fine
    assert sc.parallelize([1, 2]).count() == 2


def test_destroy_while_a_worker_still_holds_it_fails_the_task_clearly(sc):
    table = sc.broadcast(7)
    rdd = sc.parallelize([1], 1).map(lambda x: table.value)
    binary_uses = rdd.map(lambda v: v + 1)
    table.unpersist()
    import os
    os.remove(table._path)  # the file vanishes (as if destroyed elsewhere)
    with pytest.raises(PythonException, match="destroyed"):
        binary_uses.collect()
