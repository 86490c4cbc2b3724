"""The concrete RDDs: each says how its partitions are made and computed.

Read them in this order: parallel.py (data from the driver), mapped.py (the
narrow pipeline), union.py and coalesced.py (narrow, but many-to-one),
shuffled.py (wide: reading a shuffle), text.py (files split like Hadoop),
cartesian.py, checkpoint.py, debug.py (toDebugString).
"""
