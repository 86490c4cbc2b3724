"""The concrete RDDs: each says how its partitions are made and computed.

Read them in this order: parallel.py (data from the driver), mapped.py (the
narrow pipeline), union.py and coalesced.py (narrow, but many-to-one),
shuffled.py (wide: reading a shuffle), text.py (files split like Hadoop),
cartesian.py, checkpoint.py, debug.py (toDebugString).

Each subclasses the public RDD (rdd.py), whose methods make them: map makes a
MapPartitionsRDD. So the methods, below this package, find them by name in the
registry of rddbase.py (``rdd_class``), and minispark/__init__.py imports every
module here. This file imports none: importing one module of rdds/ must not
import the others (and the public RDD) with it.
"""
