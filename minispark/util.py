"""Small helpers shared by the engine: call sites and byte formatting.

A call site (``map at job.py:15``) names where the user's code called into
minispark; RDDs, stages and jobs are labelled with it in toDebugString, the
UI and the event log. In a Jupyter kernel the "file" is a temporary file per
cell (``/tmp/ipykernel_42/2639717628.py``), meaningless to a student, so a
cell is named as IPython's own tracebacks name it: ``count at In [9], line 2``
(minispark-only: PySpark shows the temporary file's name).
"""

from __future__ import annotations

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def call_site() -> str:
    """Where the user called into minispark, as Spark names it: ``map at job.py:15``.

    Walks up the stack to the first frame outside this package; the function
    name is the last minispark API method on the way there.

    >>> call_site().startswith("call_site at ")
    True
    """
    frame = sys._getframe(1)
    api_name = "call_site"
    while frame is not None:
        filename = frame.f_code.co_filename
        if not is_internal_file(filename):
            return f"{api_name} at {_place(filename, frame.f_lineno)}"
        if not frame.f_code.co_name.startswith("_"):
            api_name = frame.f_code.co_name
        frame = frame.f_back
    return f"{api_name} at <unknown>:0"


def _place(filename: str, line: int) -> str:
    """``In [9], line 2`` for the code of a notebook or IPython cell, else ``file.py:2``.

    IPython (8+) remembers the execution count of every cell it compiled, by the
    cell's code name (its ``compile._filename_map``, which ultratb reads to print
    "Cell In[9], line 2"). IPython is looked up, never imported: a script pays nothing.

    >>> _place("/home/me/job.py", 15)
    'job.py:15'
    """
    ipython = sys.modules.get("IPython")
    if ipython is not None:
        shell = getattr(ipython, "get_ipython", lambda: None)()
        cells = getattr(getattr(shell, "compile", None), "_filename_map", None)
        if isinstance(cells, dict) and filename in cells:
            return f"In [{cells[filename]}], line {line}"
    return f"{os.path.basename(filename)}:{line}"


def is_internal_file(filename: str) -> bool:
    """True for source files of minispark itself (hidden from user tracebacks).

    A pseudo-filename such as ``<doctest ...>``, ``<stdin>`` or ``<string>``
    (code typed or generated, not read from a file) never is: made absolute,
    it would name a file in the current directory, which is the package
    itself when doctests are run from inside it.

    >>> is_internal_file(__file__), is_internal_file("/home/me/job.py")
    (True, False)
    >>> is_internal_file("<doctest minispark.rdd.RDD.map[0]>")   # even from minispark/
    False
    """
    if filename.startswith("<"):
        return False
    path = os.path.abspath(filename)
    # The tour is an example program that happens to live in the package.
    return path.startswith(_PACKAGE_DIR) and not path.endswith(os.sep + "tour.py")


def bytes_to_string(size: float) -> str:
    """Format a byte count the way Spark's UI and toDebugString do.

    >>> bytes_to_string(512), bytes_to_string(2048), bytes_to_string(3 * 1024 ** 2)
    ('512.0 B', '2.0 KiB', '3.0 MiB')
    """
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"  # unreachable; keeps type checkers calm


def parse_memory(text: str) -> int:
    """Parse Spark memory strings such as ``512m`` or ``2g`` into bytes.

    >>> parse_memory("512m"), parse_memory("1g"), parse_memory("64k"), parse_memory("100")
    (536870912, 1073741824, 65536, 100)
    """
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    text = text.strip().lower().rstrip("b")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)
