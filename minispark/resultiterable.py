"""ResultIterable: the values of one key after groupByKey or cogroup.

PySpark hands grouped values back as this small wrapper rather than a list, so
that printing an RDD of groups does not dump every value. Call ``list()`` on it
(or use ``.data``) to see them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["ResultIterable"]


class ResultIterable(Iterable):
    """A read-only view of grouped values, with ``len()`` and iteration.

    >>> r = ResultIterable([3, 1, 2])
    >>> len(r), list(r), sorted(r.data)
    (3, [3, 1, 2], [1, 2, 3])
    """

    def __init__(self, data: Any):
        self.data = data
        self.index = None
        self.maxindex = len(data)

    def __iter__(self) -> Iterator:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"<minispark.resultiterable.ResultIterable object with {len(self.data)} values>"
