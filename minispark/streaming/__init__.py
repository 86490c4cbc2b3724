"""minispark.streaming: Spark Streaming's DStream API (``pyspark.streaming``).

A stream is cut into batches of ``batchDuration`` seconds; each batch is an
RDD, and a DStream is the recipe that turns each batch's input RDD into
results. Read in this order:

  context.py     StreamingContext: inputs, start/stop, checkpoint, getOrCreate
  dstream.py     DStream: the machinery, transform and the fused transforms
  elementwise.py map, filter, count...: element-wise transformations
  keyed.py       by-key operations and joins, batch by batch
  window_ops.py  window operations; window.py computes them (inverse functions)
  output.py      output operations: what makes a batch run
  state.py       updateStateByKey and why state must be checkpointed
  inputs.py      input streams without a receiver: queues, file directories
  receiver.py    socket receivers: a thread that reads lines into blocks
  tracker.py     ReceiverTracker: which received blocks go to which batch
  blocks.py      received blocks: stored once, read by name in the tasks
  scheduler.py   batch generation, output operations in order, scheduling delay
  listener.py    StreamingListener: batch and receiver events
  batchinfo.py   what the events carry: a batch's delays, receivers
  checkpoint.py  metadata checkpoints and recovery of a killed driver
  clock.py       SystemClock, and ManualClock (minispark-only: deterministic tests)
  testing.py     run a program batch by batch (minispark-only: tests and graders)

    >>> from minispark.streaming import StreamingContext, ManualClock
    >>> StreamingContext.__name__, ManualClock().getTimeMillis()
    ('StreamingContext', 0)
"""

from minispark.streaming import state, window  # noqa: F401 - each registers its DStreams
from minispark.streaming.clock import ManualClock, SystemClock
from minispark.streaming.context import StreamingContext
from minispark.streaming.dstream import DStream
from minispark.streaming.listener import StreamingListener

__all__ = ["StreamingContext", "DStream", "StreamingListener", "ManualClock", "SystemClock"]
