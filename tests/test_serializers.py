"""Serializers: the data path (shuffles, cached blocks) uses the context's serializer."""

from __future__ import annotations

import io

import pytest

from minispark.serializers import (
    AutoBatchedSerializer,
    BatchedSerializer,
    CloudPickleSerializer,
    MarshalSerializer,
    PickleSerializer,
    unbatched,
)


@pytest.mark.parametrize("serializer", [PickleSerializer(), MarshalSerializer(),
                                        CloudPickleSerializer()])
def test_framed_round_trip(serializer):
    records = [("a", 1), ("b", [2.5, None]), {"k": (1, 2)}]
    buf = io.BytesIO()
    serializer.dump_stream(records, buf)
    buf.seek(0)
    assert list(serializer.load_stream(buf)) == records
    # each frame is a 4-byte big-endian length followed by the bytes
    first = serializer.dumps(records[0])
    assert buf.getvalue()[:4] == len(first).to_bytes(4, "big")


def test_batched_serializers_write_fewer_frames():
    buf_batched, buf_auto = io.BytesIO(), io.BytesIO()
    BatchedSerializer(PickleSerializer(), 10).dump_stream(range(95), buf_batched)
    AutoBatchedSerializer(PickleSerializer()).dump_stream(range(95), buf_auto)
    for buf in (buf_batched, buf_auto):
        buf.seek(0)
        frames = list(PickleSerializer().load_stream(buf))
        assert [x for frame in frames for x in frame] == list(range(95))
    buf_batched.seek(0)
    assert len(list(PickleSerializer().load_stream(buf_batched))) == 10  # 9 of 10, one of 5
    buf_auto.seek(0)
    sizes = [len(f) for f in PickleSerializer().load_stream(buf_auto)]
    assert sizes[:4] == [1, 2, 4, 8]  # doubling while batches stay small


def test_unbatched_rejects_what_is_not_a_serializer():
    assert unbatched(AutoBatchedSerializer(MarshalSerializer())) == MarshalSerializer()
    with pytest.raises(TypeError, match="not a serializer"):
        unbatched(object())


MARSHAL_JOB = r"""
import json
from operator import add
from minispark import SparkContext, MarshalSerializer
from minispark.scheduler.listener import EventCollector
out = {}
for name in ("pickle", "marshal"):
    kwargs = {"serializer": MarshalSerializer()} if name == "marshal" else {}
    with SparkContext("local[2]", name, **kwargs) as sc:
        events = EventCollector(); sc.addSparkListener(events)
        pairs = sc.parallelize([(f"user{i % 500}", i) for i in range(20000)], 4)
        grouped = pairs.groupByKey().mapValues(sorted).cache()
        result = sorted(grouped.mapValues(sum).collect())
        again = sorted(grouped.mapValues(len).collect())  # read from the cached blocks
        metrics = events.task_metrics()
        out[name] = {"result": result[:3], "total": sum(v for _, v in result),
                     "lengths": sorted(set(n for _, n in again)),
                     "shuffle_bytes": sum(m.shuffle_write_bytes for m in metrics),
                     "serialize_time": sum(m.serialize_time for m in metrics),
                     "cache_hits": sum(m.cache_hits for m in metrics)}
        try:
            sc.parallelize([(1, object())], 1).groupByKey().collect()
            out[name]["object"] = "ok"
        except Exception as e:
            out[name]["object"] = str(e).splitlines()[0]
print(json.dumps(out))
"""


def test_marshal_serializer_runs_the_data_path(run_python):
    out = run_python(MARSHAL_JOB)
    pickled, marshalled = out["pickle"], out["marshal"]
    assert marshalled["total"] == pickled["total"] == sum(range(20000))
    assert marshalled["result"] == pickled["result"]
    assert marshalled["lengths"] == [40]           # 20000 values over 500 users
    assert marshalled["cache_hits"] == 4           # the second job read the cache
    assert marshalled["serialize_time"] > 0
    assert pickled["object"] == "ok"
    assert "unmarshallable object" in marshalled["object"]
    # the two formats really differ on the wire
    assert marshalled["shuffle_bytes"] != pickled["shuffle_bytes"]
