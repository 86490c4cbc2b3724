"""The Storage tab: the cached RDDs, how many partitions are cached, and where.

Mirrors Spark's ``StorageTab``, ``StoragePage`` and ``RDDPage``
(core/src/main/scala/org/apache/spark/ui/storage/). A partition appears here
once a task has computed and stored it (a BlockUpdated event), so an RDD that
was ``cache()``-d but never computed is not listed: caching is lazy. Next:
executors.py.
"""

from __future__ import annotations

from typing import Any

from minispark.ui.state import AppStatusStore
from minispark.ui.templates import bytes_cell, link, table, tag

__all__ = ["render_storage", "render_rdd"]


def render_storage(store: AppStatusStore, query: dict[str, str], base: str) -> tuple:
    """Every RDD with cached partitions: name, level, partitions, sizes.

    >>> render_storage(AppStatusStore(), {}, "")[:2]
    ('Storage', 'storage')
    """
    rows = []
    for rdd in sorted(store.rdds.values(), key=lambda r: r.rdd_id):
        if not rdd.blocks:
            continue
        memory = sum(b[1] for b in rdd.blocks.values())
        disk = sum(b[2] for b in rdd.blocks.values())
        rows.append([rdd.rdd_id, link(base, "/storage/rdd/", rdd.name, id=rdd.rdd_id),
                     rdd.storage_level, len(rdd.blocks), bytes_cell(memory), bytes_cell(disk)])
    body: list[Any] = [tag("h3", f"RDDs ({len(rows)})"),
                       table(["ID", "RDD Name", "Storage Level", "Cached Partitions",
                              "Size in Memory", "Size on Disk"], rows, numeric={0, 3, 4, 5},
                             id="rdds")]
    return "Storage", "storage", body


def render_rdd(store: AppStatusStore, query: dict[str, str], base: str) -> tuple:
    """One cached RDD: each block (partition) with its executor and sizes.

    >>> render_rdd(AppStatusStore(), {"id": "4"}, "")[2]
    ['RDD 4 has no cached partitions.']
    """
    rdd_id = int(query.get("id", -1))
    rdd = store.rdds.get(rdd_id)
    if rdd is None or not rdd.blocks:
        return f"RDD {rdd_id}", "storage", [f"RDD {rdd_id} has no cached partitions."]

    def partition(block_id: str) -> int:
        return int(block_id.rsplit("_", 1)[1])

    blocks = sorted(rdd.blocks.items(), key=lambda kv: partition(kv[0]))
    per_executor: dict[str, list[int]] = {}
    for _, (executor, mem, disk) in blocks:
        totals = per_executor.setdefault(executor, [0, 0, 0])
        totals[0] += 1
        totals[1] += mem
        totals[2] += disk
    body: list[Any] = [
        table(["", ""], [("Storage Level", rdd.storage_level),
                         ("Cached Partitions", len(blocks))], id="rdd"),
        tag("h3", "Data Distribution on Executors"),
        table(["Executor", "Blocks", "Memory Usage", "Disk Usage"],
              [[e, n, bytes_cell(m), bytes_cell(d)]
               for e, (n, m, d) in sorted(per_executor.items())], numeric={1, 2, 3}),
        tag("h3", f"{len(blocks)} Partitions"),
        table(["Block Name", "Storage Level", "Size in Memory", "Size on Disk", "Executors"],
              [[b, rdd.storage_level, bytes_cell(m), bytes_cell(d), e]
               for b, (e, m, d) in blocks], numeric={2, 3}, id="blocks"),
    ]
    return f"RDD Storage Info for {rdd.name}", "storage", body
