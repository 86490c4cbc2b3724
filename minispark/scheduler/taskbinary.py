"""Task binaries and task messages: pickled flat, however deep the lineage.

Read this file after dag.py, to see what travels to a worker for a task.

Key terms
  task binary   Spark's name for the pickled (RDD, function) a stage's tasks
                share; each worker receives it once per stage (executor.py).
                Each task message also carries its partition object.
  depth         pickling follows references: an RDD holds its parents, a
                union's partition holds its parent's partition. A lineage of
                2,000 maps, or 1,000 unions, pickles 2,000 levels deep. Since
                Python 3.12 the C pickler's depth is bounded by a fixed C limit
                that ``sys.setrecursionlimit`` no longer raises, so such a task
                could not be sent at all ("too deep to serialize").
  flat pickle   every RDD, dependency and partition reached is pickled on its
                own, as (class, state), its references to the others replaced by
                numbers; the receiver creates all the objects empty first, then
                fills in each one's state. Nothing nests more than one object
                deep, whatever the length of the lineage, and the order of the
                pieces does not matter. It costs a Python call per pickled
                object, so it is the fallback: ``dumps_task`` tries the plain
                (C) pickle first, which handles lineages of a few hundred steps.

(PySpark sidesteps most of the depth another way: it composes consecutive Python
functions into one PipelinedRDD, so its chain of 2,000 maps is one RDD. minispark
keeps one RDD per transformation, as toDebugString and the UI show them.)

Only the stage's own RDDs travel: a shuffle dependency does not carry its parent
(dependency.py), which belongs to another stage that already ran.

Next: task.py, which loads the binary in the worker and runs a task.
"""

from __future__ import annotations

import io
import pickle
import sys
from typing import Any

import cloudpickle

from minispark.dependency import Dependency
from minispark.rddbase import Partition, RDDBase

__all__ = ["dumps_task", "loads_task", "dumps_flat", "loads_flat"]

PROTOCOL = pickle.HIGHEST_PROTOCOL
FLAT = b"FLAT"  # marks a flat pickle (a plain one starts with the protocol byte, 0x80)
DEEP_RECURSION_LIMIT = 20_000


def dumps_task(obj: Any) -> bytes:
    """Pickle a task binary or a task's partition: plainly if the pickler can go
    that deep, flat otherwise. Errors other than depth propagate.

    >>> deep = sc.parallelize([1], 1)
    >>> for _ in range(3000): deep = deep.map(lambda x: x)
    >>> loads_task(dumps_task(deep)).id() == deep.id(), dumps_task(deep)[:4]
    (True, b'FLAT')
    """
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, DEEP_RECURSION_LIMIT))
    try:
        return cloudpickle.dumps(obj, PROTOCOL)
    except (RecursionError, pickle.PicklingError) as e:
        if isinstance(e, pickle.PicklingError) and "recursion" not in str(e):
            raise
    finally:
        sys.setrecursionlimit(limit)
    return FLAT + dumps_flat(obj)


def loads_task(data: bytes) -> Any:
    """What dumps_task pickled."""
    if data[:4] == FLAT:
        return loads_flat(data[4:])
    return pickle.loads(data)


def _flat_types() -> tuple[type, ...]:
    return (RDDBase, Partition, Dependency)


class _FlatPickler(cloudpickle.Pickler):
    """Pickles anything, but every RDD, dependency or partition in it becomes a
    number: its position in ``table``, to be pickled on its own."""

    def __init__(self, file: io.BytesIO, table: dict[int, int], objects: list,
                 types: tuple[type, ...]):
        super().__init__(file, protocol=PROTOCOL)
        self.table, self.objects, self.types = table, objects, types

    def persistent_id(self, obj: Any) -> int | None:
        if not isinstance(obj, self.types):
            return None
        number = self.table.get(id(obj))
        if number is None:
            number = self.table[id(obj)] = len(self.objects)
            self.objects.append(obj)
        return number


class _FlatUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, shells: list):
        super().__init__(file)
        self.shells = shells

    def persistent_load(self, number: int) -> Any:
        return self.shells[number]


def _dump(obj: Any, table: dict[int, int], objects: list, types: tuple) -> bytes:
    buf = io.BytesIO()
    _FlatPickler(buf, table, objects, types).dump(obj)
    return buf.getvalue()


def dumps_flat(obj: Any) -> bytes:
    """Pickle ``obj`` (with cloudpickle, so functions travel by value) with every
    RDD, dependency and partition in it pickled separately."""
    types = _flat_types()
    table: dict[int, int] = {}
    objects: list = []
    head = _dump(obj, table, objects, types)
    pieces = []
    while len(pieces) < len(objects):  # each state may add more objects
        each = objects[len(pieces)]
        pieces.append(_dump(each.__getstate__(), table, objects, types))
    classes = [type(each) for each in objects]
    return pickle.dumps((cloudpickle.dumps(classes, PROTOCOL), pieces, head), PROTOCOL)


def loads_flat(data: bytes) -> Any:
    """The object that dumps_flat pickled.

    >>> rdd = sc.parallelize([1, 2]).map(lambda x: x * 10)
    >>> copy, func = loads_flat(dumps_flat((rdd, len)))  # the parent is pickled apart
    >>> type(copy).__name__, type(copy.prev).__name__, func is len
    ('MapPartitionsRDD', 'ParallelCollectionRDD', True)
    """
    classes_data, pieces, head = pickle.loads(data)
    shells = [cls.__new__(cls) for cls in pickle.loads(classes_data)]
    for shell, piece in zip(shells, pieces, strict=True):
        state = _FlatUnpickler(io.BytesIO(piece), shells).load()
        if hasattr(shell, "__setstate__"):
            shell.__setstate__(state)
        elif state:
            shell.__dict__.update(state)
    return _FlatUnpickler(io.BytesIO(head), shells).load()
