"""toDebugString: the lineage drawn the way Spark draws it.

One line per RDD. Each shuffle dependency starts a new, further indented
block introduced by ``+-``: every block is one stage, so counting blocks
counts stages. The partition count of each stage's last RDD is shown in
parentheses, and a persisted RDD shows its storage level in brackets and, once
cached, how many partitions and bytes are stored.

The walk is iterative (an explicit stack), so a lineage thousands of RDDs deep
prints without hitting Python's recursion limit.
"""

from __future__ import annotations

import re
from typing import Any

from minispark.dependency import ShuffleDependency


def debug_string(root: Any) -> str:
    """Render the lineage of ``root`` (see the module docstring)."""
    lines: list[str] = []
    # Each entry: (rdd, prefix, starts_new_stage, is_last_child, is_root)
    stack: list[tuple] = [(root, "", False, True, True)]
    while stack:
        rdd, prefix, is_shuffle, is_last, is_root = stack.pop()
        describe = rdd._storage_description()
        if is_root or is_shuffle:
            count = f"({rdd.getNumPartitions()})"
            left = (len(count) - 1) // 2
            if is_root:
                this_prefix = ""
                next_prefix = " " * left + "|" + " " * (len(count) - left)
                first = f"{count} {describe[0]}"
            else:
                this_prefix = re.sub(r"\|\s+$", "", prefix)
                next_prefix = (this_prefix + ("  " if is_last else "| ")
                               + " " * left + "|" + " " * (len(count) - left))
                first = f"{this_prefix}+-{count} {describe[0]}"
            lines.append(first)
            if is_root:
                lines.extend(f"{next_prefix} {d}" for d in describe[1:])
            else:
                lines.extend(next_prefix + d for d in describe[1:])
            child_prefix = next_prefix
        else:
            lines.extend(prefix + d for d in describe)
            child_prefix = prefix
        deps = rdd.dependencies
        children = [(d.rdd, child_prefix, isinstance(d, ShuffleDependency), i == len(deps) - 1,
                     False) for i, d in enumerate(deps)]
        stack.extend(reversed(children))
    return "\n".join(lines)
