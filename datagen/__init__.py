"""datagen: the course's data set, generated from one seed, and tools to stream it.

Every lab reads the data of one fictional phone company: its web-server logs, its
knowledge-base articles, its customer accounts, its phone models, its phones' status
reports. This package makes all of it from a seed — the same seed and options give
byte-identical files on any machine — and streams the logs to Spark Streaming labs.

Python API
- ``datagen.generate(out_dir, scale="tiny", seed=42, *, jobs=1, quiet=True, **overrides)``
  writes the data set and returns the manifest (a dict, also saved as
  ``out_dir/manifest.json``). ``scale`` is ``"tiny"`` (~10k log lines), ``"small"``
  (~1M) or ``"large"`` (~10M); ``overrides``: ``days``, ``users``, ``lines``,
  ``articles``, ``devices``, ``bad_lines`` (fraction), ``start`` (ISO date).
- ``datagen.ReplayServer(inputs, host="127.0.0.1", port=0, rate=20, speedup=None,
  loop=False, shared=False, log=None)``: a TCP server for ``socketTextStream``;
  ``.start()`` / ``.stop()`` or ``with``; ``.port`` is the port the OS chose;
  ``.connections`` and ``.lines_sent`` count what it did.
- ``datagen.drip(files, to, interval=5.0)``: move copies of files into a directory one
  at a time by atomic rename, for ``textFileStream``.
- ``datagen.verify(out_dir)``: compare a data directory with its manifest; returns a
  list of problems (empty when the data is exactly what the manifest describes).
- ``datagen.UserError``: raised for mistakes a user can fix (bad path, busy port...).

Command line: ``python -m datagen generate|replay|drip|verify --help``.

Where to read, in order: ``models.py`` (the phones), ``rand.py`` (reproducible
randomness), ``accounts.py``, ``kb.py``, ``weblogs.py`` and ``badlines.py`` (the
logs), ``devices.py``, ``manifest.py``, ``pipeline.py`` (putting it together),
``replay.py`` and ``drip.py`` (streaming), ``cli.py``.
"""

from datagen.console import UserError
from datagen.drip import drip
from datagen.manifest import verify
from datagen.pipeline import SCALES, generate
from datagen.replay import ReplayServer

__all__ = ["SCALES", "ReplayServer", "UserError", "drip", "generate", "verify"]
