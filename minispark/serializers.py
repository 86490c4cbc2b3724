"""Serializers: how records become bytes on their way to disk or another process.

Read this file to learn what a shuffle or a cached partition costs besides the
records themselves.

Every record a shuffle moves and every partition cached in serialized form is
turned into bytes and back. PySpark lets you choose how (Scala Spark's
equivalent choice is Java serialization versus Kryo):

  PickleSerializer       pickle: any Python object, the default.
  CloudPickleSerializer  cloudpickle: also lambdas and classes defined in
                         ``__main__``; slower; what functions travel with.
  MarshalSerializer      marshal: only built-in types (numbers, strings,
                         tuples, lists, dicts...), but faster and smaller.

Records are never written one by one: a *batch* is serialized at once, which
amortises the per-call cost. ``BatchedSerializer`` uses a fixed batch size,
``AutoBatchedSerializer`` grows the batch until each is about 64 KB.
Serialized objects are *framed*: a 4-byte big-endian length, then the bytes,
so a reader can find where each batch ends.

``SparkContext(serializer=MarshalSerializer())`` makes shuffles and cached
blocks use marshal; TaskMetrics' ``serialize_time`` and ``deserialize_time``
and the shuffle byte counts show what it saved.

Next: shuffle.py, which calls ``dumps`` and ``loads`` for every batch.
"""

from __future__ import annotations

import marshal
import pickle
import struct
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

import cloudpickle

__all__ = ["Serializer", "FramedSerializer", "PickleSerializer", "CPickleSerializer",
           "CloudPickleSerializer", "MarshalSerializer", "BatchedSerializer",
           "AutoBatchedSerializer"]

UNLIMITED_BATCH_SIZE = -1


class Serializer:
    """Turns a stream of objects into bytes and back (PySpark's base class)."""

    def dump_stream(self, iterator: Iterable, stream: IO[bytes]) -> None:
        raise NotImplementedError

    def load_stream(self, stream: IO[bytes]) -> Iterator:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class FramedSerializer(Serializer):
    """Writes each object as a 4-byte length followed by ``dumps(obj)``.

    >>> import io; buf = io.BytesIO()
    >>> PickleSerializer().dump_stream([1, "two", (3,)], buf); _ = buf.seek(0)
    >>> list(PickleSerializer().load_stream(buf))
    [1, 'two', (3,)]
    """

    def dump_stream(self, iterator: Iterable, stream: IO[bytes]) -> None:
        for obj in iterator:
            data = self.dumps(obj)
            stream.write(struct.pack(">i", len(data)))
            stream.write(data)

    def load_stream(self, stream: IO[bytes]) -> Iterator:
        while True:
            header = stream.read(4)
            if len(header) < 4:
                return
            (length,) = struct.unpack(">i", header)
            yield self.loads(stream.read(length))

    def dumps(self, obj: Any) -> bytes:
        raise NotImplementedError

    def loads(self, obj: bytes) -> Any:
        raise NotImplementedError


class PickleSerializer(FramedSerializer):
    """pickle, highest protocol: any picklable object (the default).

    >>> s = PickleSerializer(); s.loads(s.dumps({"a": [1, 2]}))
    {'a': [1, 2]}
    """

    def dumps(self, obj: Any) -> bytes:
        return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)

    def loads(self, obj: bytes) -> Any:
        return pickle.loads(obj)


CPickleSerializer = PickleSerializer  # PySpark's name for the default


class CloudPickleSerializer(FramedSerializer):
    """cloudpickle: like pickle, and also lambdas and interactively defined classes.

    >>> s = CloudPickleSerializer(); s.loads(s.dumps(lambda x: x + 1))(1)
    2
    """

    def dumps(self, obj: Any) -> bytes:
        return cloudpickle.dumps(obj, pickle.HIGHEST_PROTOCOL)

    def loads(self, obj: bytes) -> Any:
        return pickle.loads(obj)


class MarshalSerializer(FramedSerializer):
    """marshal: built-in types only, faster and more compact than pickle.

    >>> s = MarshalSerializer(); s.loads(s.dumps([("a", 1), ("b", 2.5)]))
    [('a', 1), ('b', 2.5)]
    >>> s.dumps(object())
    Traceback (most recent call last):
      ...
    ValueError: unmarshallable object
    """

    def dumps(self, obj: Any) -> bytes:
        return marshal.dumps(obj)

    def loads(self, obj: bytes) -> Any:
        return marshal.loads(obj)


class BatchedSerializer(Serializer):
    """Serializes lists of ``batchSize`` objects with ``serializer``.

    >>> import io; buf = io.BytesIO(); s = BatchedSerializer(PickleSerializer(), 2)
    >>> s.dump_stream(range(5), buf); _ = buf.seek(0)
    >>> list(s.load_stream(buf))
    [0, 1, 2, 3, 4]
    """

    def __init__(self, serializer: FramedSerializer, batchSize: int = UNLIMITED_BATCH_SIZE):
        self.serializer = serializer
        self.batchSize = batchSize

    def _batched(self, iterator: Iterable) -> Iterator[list]:
        if self.batchSize == UNLIMITED_BATCH_SIZE:
            yield list(iterator)
            return
        it = iter(iterator)
        while batch := list(islice(it, self.batchSize)):
            yield batch

    def dump_stream(self, iterator: Iterable, stream: IO[bytes]) -> None:
        self.serializer.dump_stream(self._batched(iterator), stream)

    def load_stream(self, stream: IO[bytes]) -> Iterator:
        for batch in self.serializer.load_stream(stream):
            yield from batch

    def __repr__(self) -> str:
        return f"BatchedSerializer({self.serializer!r}, {self.batchSize})"


class AutoBatchedSerializer(BatchedSerializer):
    """Chooses the batch size as it goes: doubles it while batches stay under
    ``bestSize`` bytes, halves it when they grow past ten times that.

    >>> import io; buf = io.BytesIO(); s = AutoBatchedSerializer(MarshalSerializer())
    >>> s.dump_stream(range(100_000), buf); _ = buf.seek(0)
    >>> sum(s.load_stream(buf))
    4999950000
    """

    def __init__(self, serializer: FramedSerializer, bestSize: int = 1 << 16):
        super().__init__(serializer, UNLIMITED_BATCH_SIZE)
        self.bestSize = bestSize

    def dump_stream(self, iterator: Iterable, stream: IO[bytes]) -> None:
        it, batch = iter(iterator), 1
        while chunk := list(islice(it, batch)):
            data = self.serializer.dumps(chunk)
            stream.write(struct.pack(">i", len(data)))
            stream.write(data)
            if len(data) < self.bestSize:
                batch *= 2
            elif len(data) > self.bestSize * 10 and batch > 1:
                batch //= 2

    def __repr__(self) -> str:
        return f"AutoBatchedSerializer({self.serializer!r})"


def unbatched(serializer: Serializer) -> FramedSerializer:
    """The per-batch serializer inside ``serializer`` (what shuffles and caches use)."""
    while isinstance(serializer, BatchedSerializer):
        serializer = serializer.serializer
    if not isinstance(serializer, FramedSerializer):
        raise TypeError(f"{serializer!r} is not a serializer minispark can use for data: "
                        "pass PickleSerializer(), MarshalSerializer() or "
                        "CloudPickleSerializer(), optionally batched")
    return serializer
