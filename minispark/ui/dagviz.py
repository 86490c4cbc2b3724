"""The DAG visualization: each stage a box, its RDD operations inside, in lineage order.

Mirrors Spark's ``RDDOperationGraph`` (core/src/main/scala/org/apache/spark/ui/scope/)
and ``spark-dag-viz.js``, which Spark lays out in the browser with dagre-d3.
Here the layout is done on the server and drawn as inline SVG (no JavaScript,
nothing fetched from the internet). Read after state.py; pages/jobs.py draws a
job's graph, pages/stages.py one stage's.

What it shows, as chapter 6a teaches it
  node        one RDD: the operation that made it (its scope: ``map``,
              ``reduceByKey``), then its name and id (``MapPartitionsRDD [2]``);
              hovering shows the call site (``map at In [4], line 2``). A green
              dot marks a cached (persisted) RDD, as in Spark.
  cluster     one stage, labelled ``Stage N`` and its status; skipped stages
              (their shuffle output already existed) are grey, as in Spark.
  map side    a map stage ends with a dashed node: the map side of the shuffle
              it writes (``reduceByKey (map side)``), where each record is given
              its reduce partition (and, for reduceByKey and friends, combined)
              before it is written. minispark-only: Spark draws the RDDs alone,
              but the work is done there, in the map stage's tasks.
  edges       lineage inside a stage (narrow dependencies, pipelined in one task),
              and, across the shuffle boundary, from the map side to the RDD
              that reads the shuffle.

Layout: stages in columns by depth (a stage right of every stage it reads);
inside a stage, each RDD one row below its deepest parent (a layered layout,
top to bottom like Spark's), RDDs of the same row side by side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from minispark.ui.model import StagePlan
from minispark.ui.templates import Html, esc

__all__ = ["dag_svg", "dag_legend", "shuffle_readers", "fit"]

NODE_W, NODE_H, GAP_X, GAP_Y = 186, 40, 16, 22
PAD, HEADER, STAGE_GAP_X, STAGE_GAP_Y = 10, 24, 56, 20
CHARS = 27          # characters that fit in a node at the 11px font (about 6.3px each)
FILL = {"COMPLETE": "#eaf5ea", "ACTIVE": "#e3f0fb", "FAILED": "#fbe3e3",
        "SKIPPED": "#f0f0f0", "PENDING": "#ffffff"}
STROKE = {"COMPLETE": "#5a9a5a", "ACTIVE": "#3a7fc0", "FAILED": "#c04040",
          "SKIPPED": "#b0b0b0", "PENDING": "#999999"}
CACHED = "#5cb85c"  # Spark's green dot
# A stage pipelining a very long lineage (an iterative job without checkpoints) draws
# only the RDDs nearest its output: a page stays readable and quick to render.
MAX_RDDS = 60


def fit(text: str, chars: int = CHARS) -> str:
    """``text`` shortened to ``chars`` with an ellipsis (the full text goes in a tooltip).

    >>> fit("map"), fit("x" * 30, 10)
    ('map', 'xxxxxxxxx…')
    """
    return text if len(text) <= chars else text[:chars - 1] + "\u2026"


def dag_legend() -> Html:
    """How to read the drawing, shown under it.

    >>> "skipped" in dag_legend()
    True
    """
    return Html(
        '<p class="muted">Each box is a stage: its tasks run the operations inside it one '
        "after the other on each partition (narrow dependencies, pipelined). A dashed node "
        "is the map side of a shuffle: its output is written to shuffle files, which the "
        "next stage reads (dashed arrow). A grey box is a skipped stage (its shuffle output "
        "already existed); a green dot marks a cached RDD. Hover a node for its call "
        "site.</p>")


def shuffle_readers(plans: Iterable[StagePlan]) -> dict[int, str]:
    """Shuffle id -> the operation that reads it (``reduceByKey``), from the RDDs' infos.

    >>> from minispark.scheduler.listener import RDDInfo
    >>> reader = RDDInfo(3, "ShuffledRDD", "reduceByKey", "reduceByKey at a.py:1", [2],
    ...                  shuffle_deps=[(2, 0)])
    >>> shuffle_readers([StagePlan(1, "collect at a.py:2", [0], [reader])])
    {0: 'reduceByKey'}
    """
    found: dict[int, str] = {}
    for plan in plans:
        for rdd in plan.rdds:
            for _, shuffle_id in _wide(rdd):
                found.setdefault(shuffle_id, rdd.scope)
    return found


def _wide(rdd: Any) -> list[tuple[int, int]]:
    """(parent id, shuffle id) of each wide dependency (an old event log has none)."""
    return [(int(p), int(k)) for p, k in getattr(rdd, "shuffle_deps", None) or []]


@dataclass
class _Node:
    key: tuple[int, Any]          # (stage id, RDD id), or (stage id, "write")
    lines: tuple[str, str]        # the operation; the name and id
    title: str
    cached: bool = False
    write: bool = False
    parents: tuple = ()           # keys of its parents in the same stage
    rank: int = 0
    x: float = 0.0
    y: float = 0.0


def _stage_nodes(plan: StagePlan, readers: dict[int, str], cached_ids: set[int]
                 ) -> list[_Node]:
    """The nodes of one stage, each ranked (its row, top to bottom) and with its parents.

    A narrow parent is in the same stage; a parent reached through a shuffle is not
    (its output is read from the map stage's files), even when the same RDD is also
    pipelined into this stage by another path.
    """
    sid = plan.stage_id
    by_id = {r.id: r for r in plan.rdds[:MAX_RDDS]}   # the stage's RDD first, then back
    nodes: dict[Any, _Node] = {}
    for r in by_id.values():
        cached = bool(r.storage_level) or r.id in cached_ids
        parts = getattr(r, "num_partitions", 0)
        title = f"{r.name} [{r.id}]" + (f", {parts} partitions" if parts else "") + (
            f"\n{r.call_site}") + (
            f"\ncached: {r.storage_level}" if r.storage_level else
            ("\ncached" if cached else ""))
        label = f" [{r.id}]"
        wide = {p for p, _ in _wide(r)}
        narrow = tuple((sid, p) for p in dict.fromkeys(r.parent_ids)
                       if p in by_id and p not in wide)
        nodes[r.id] = _Node((sid, r.id), (fit(r.scope), fit(r.name, CHARS - len(label)) + label),
                            title, cached, parents=narrow)
    # Rows: the stage's own RDD (the only sink) at the bottom, every other RDD just
    # above its highest child, so a branch joins where it is used. Kahn's order,
    # no recursion: a lineage may be thousands of RDDs deep.
    children: dict[int, list[int]] = {i: [] for i in nodes}
    waiting = {i: len(n.parents) for i, n in nodes.items()}
    for i, n in nodes.items():
        for _, p in n.parents:
            children[p].append(i)
    order, ready = [], sorted(i for i, w in waiting.items() if w == 0)
    while ready:
        i = ready.pop()
        order.append(i)
        for c in children[i]:
            waiting[c] -= 1
            if waiting[c] == 0:
                ready.append(c)
    height: dict[int, int] = {}
    for i in reversed(order):
        height[i] = 1 + max((height[c] for c in children[i]), default=-1)
    top = max(height.values(), default=0)
    for i, n in nodes.items():
        n.rank = top - height.get(i, 0)
    ordered = list(nodes.values())
    if plan.shuffle_id is not None and plan.rdds:
        op = readers.get(plan.shuffle_id)
        first = nodes[plan.rdds[0].id]
        text = f"{op} (map side)" if op else "shuffle write"
        ordered.append(_Node(
            (sid, "write"), (fit(text), f"shuffle {plan.shuffle_id} write"),
            f"The map side of shuffle {plan.shuffle_id}" + (f" ({op})" if op else "")
            + ": each record is given its reduce partition (and combined, when the "
            "operation has a map-side combine) and written as shuffle output for the "
            "next stage.", write=True, parents=(first.key,), rank=first.rank + 1))
    return ordered


def _stage_columns(plans: dict[int, StagePlan]) -> dict[int, int]:
    """Each stage's column: one right of its deepest parent stage (no recursion)."""
    depth: dict[int, int] = {}
    for sid in sorted(plans):
        stack = [sid]
        while stack:
            current = stack[-1]
            parents = [p for p in plans[current].parent_ids if p in plans]
            missing = [p for p in parents if p not in depth]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            depth[current] = 1 + max((depth[p] for p in parents), default=-1)
    return depth


def dag_svg(plans: dict[int, StagePlan], status: dict[int, str], base: str = "",
            cached_ids: Iterable[int] = (), readers: dict[int, str] | None = None) -> Html:
    """The stages in ``plans`` as clusters of their RDDs, with lineage and shuffle edges.

    ``status`` gives each stage's status (COMPLETE, SKIPPED...); ``cached_ids`` RDDs
    with cached blocks; ``readers`` the operation reading each shuffle (defaults to
    what ``plans`` themselves show).

    >>> from minispark.scheduler.listener import RDDInfo
    >>> a = RDDInfo(0, "ParallelCollectionRDD", "parallelize", "parallelize at a.py:1", [])
    >>> b = RDDInfo(1, "PairwiseRDD", "map", "map at a.py:1", [0])
    >>> c = RDDInfo(2, "ShuffledRDD", "reduceByKey", "reduceByKey at a.py:1", [1],
    ...             shuffle_deps=[(1, 0)])
    >>> svg = dag_svg({0: StagePlan(0, "map at a.py:1", [], [b, a], 0),
    ...                1: StagePlan(1, "collect at a.py:2", [0], [c])},
    ...               {0: "COMPLETE", 1: "COMPLETE"})
    >>> svg.count('class="stage"'), svg.count('class="node"'), svg.count('class="node write"')
    (2, 3, 1)
    >>> "reduceByKey (map side)" in svg, svg.count('"edge"'), svg.count('"edge shuffle"')
    (True, 2, 1)
    """
    readers = shuffle_readers(plans.values()) if readers is None else readers
    cached = set(cached_ids)
    columns = _stage_columns(plans)
    laid: dict[int, tuple[list[_Node], float, float]] = {}   # stage -> nodes, width, height
    edges: list[tuple[tuple, tuple]] = []
    for sid, plan in plans.items():
        nodes = _stage_nodes(plan, readers, cached)
        edges += [(p, n.key) for n in nodes for p in n.parents]
        rows: dict[int, list[_Node]] = {}
        for n in nodes:
            rows.setdefault(n.rank, []).append(n)
        widest = max((len(r) for r in rows.values()), default=1)
        width = max(widest * (NODE_W + GAP_X) - GAP_X + 2 * PAD, 150)
        height = HEADER + PAD + max(len(rows), 1) * (NODE_H + GAP_Y) - GAP_Y + PAD
        placed: dict[tuple, float] = {}
        for rank in sorted(rows):
            row = rows[rank]   # under its parents (the barycenter heuristic), else by id
            row.sort(key=lambda n: (_mean([placed[p] for p in n.parents if p in placed]),
                                    n.write, str(n.key[1])))
            offset = (width - (len(row) * (NODE_W + GAP_X) - GAP_X)) / 2
            for i, n in enumerate(row):
                n.x, n.y = offset + i * (NODE_W + GAP_X), HEADER + PAD + rank * (NODE_H + GAP_Y)
                placed[n.key] = n.x
        laid[sid] = (nodes, width, height)
    # Shuffle edges: the map side of shuffle k to each RDD that reads k.
    writers = {p.shuffle_id: sid for sid, p in plans.items() if p.shuffle_id is not None}
    for sid, plan in plans.items():
        for r in plan.rdds:
            for _, k in _wide(r):
                if k in writers:
                    edges.append(((writers[k], "write"), (sid, r.id)))
    # Place the stages: columns left to right, stacked top to bottom inside a column.
    col_width: dict[int, float] = {}
    for sid, col in columns.items():
        col_width[col] = max(col_width.get(col, 0), laid[sid][1])
    col_x, x = {}, 10.0
    for col in sorted(col_width):
        col_x[col], x = x, x + col_width[col] + STAGE_GAP_X
    origin: dict[int, tuple[float, float]] = {}
    col_y: dict[int, float] = {}
    for sid in sorted(plans):
        col = columns[sid]
        y = col_y.get(col, 10.0)
        origin[sid] = (col_x[col], y)
        col_y[col] = y + laid[sid][2] + STAGE_GAP_Y
    total_w = x - STAGE_GAP_X + 10 if col_width else 20
    total_h = max(col_y.values(), default=30.0) - STAGE_GAP_Y + 10
    where = {n.key: (origin[sid][0] + n.x, origin[sid][1] + n.y)
             for sid, (nodes, _, _) in laid.items() for n in nodes}
    parts = ['<defs><marker id="dag-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
             'markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" '
             'fill="#444"/></marker></defs>']
    for sid in sorted(laid):
        parts.append(_stage_svg(plans[sid], status.get(sid, "PENDING"), laid[sid],
                                origin[sid], base))
    for src, dst in edges:
        if src in where and dst in where:
            parts.append(_edge_svg(where[src], where[dst], src, dst))
    return Html(f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" '
                f'height="{total_h:.0f}" class="dag">' + "".join(parts) + "</svg>")


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _stage_svg(plan: StagePlan, state: str, laid: tuple[list[_Node], float, float],
               origin: tuple[float, float], base: str) -> str:
    nodes, width, height = laid
    ox, oy = origin
    sid = plan.stage_id
    skipped = state == "SKIPPED"
    header = f"Stage {sid}" + (f" ({state.lower()})" if state != "COMPLETE" else "")
    if len(plan.rdds) > MAX_RDDS:
        header += f" (+{len(plan.rdds) - MAX_RDDS} RDDs not drawn)"
    out = [f'<g class="stage" id="stage-{sid}" data-stage-id="{sid}" '
           f'data-status="{esc(state.lower())}"'
           + (' opacity="0.6"' if skipped else "") + ">",
           f'<title>{esc(f"Stage {sid}: {plan.name} ({state.lower()})")}</title>',
           f'<a href="{esc(base)}/stages/stage/?id={sid}">'
           f'<rect class="cluster" x="{ox:.0f}" y="{oy:.0f}" width="{width:.0f}" '
           f'height="{height:.0f}" rx="6" fill="{FILL.get(state, "#fff")}" '
           f'stroke="{STROKE.get(state, "#999")}"'
           + (' stroke-dasharray="4 3"' if skipped else "") + "/>"
           f'<text x="{ox + PAD:.0f}" y="{oy + 16:.0f}" font-weight="bold">{esc(header)}</text>'
           "</a>"]
    for n in nodes:
        x, y = ox + n.x, oy + n.y
        cls = "node write" if n.write else "node"
        rdd = "" if n.write else f' data-rdd-id="{n.key[1]}"'
        out.append(
            f'<g class="{cls}"{rdd} data-stage-id="{sid}"><title>{esc(n.title)}</title>'
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_W}" height="{NODE_H}" rx="4" '
            f'fill="#fff" stroke="#666"' + (' stroke-dasharray="3 2"' if n.write else "") + "/>"
            f'<text x="{x + 8:.0f}" y="{y + 16:.0f}" font-weight="bold">{esc(n.lines[0])}</text>'
            f'<text x="{x + 8:.0f}" y="{y + 32:.0f}" class="rdd">{esc(n.lines[1])}</text>'
            + (f'<circle class="cached" cx="{x + NODE_W - 9:.0f}" cy="{y + 9:.0f}" r="5" '
               f'fill="{CACHED}"/>' if n.cached else "")
            + "</g>")
    out.append("</g>")
    return "".join(out)


def _edge_svg(a: tuple[float, float], b: tuple[float, float], src: tuple, dst: tuple) -> str:
    (x1, y1), (x2, y2) = a, b
    ends = f'data-from="{src[0]}/{esc(src[1])}" data-to="{dst[0]}/{esc(dst[1])}"'
    if src[0] != dst[0]:   # across a shuffle: right of the map side to left of the reader
        ax, ay, bx, by = x1 + NODE_W, y1 + NODE_H / 2, x2, y2 + NODE_H / 2
        bend = max(30.0, (bx - ax) / 2)
        return (f'<path class="edge shuffle" {ends} d="M{ax:.0f},{ay:.0f} '
                f'C{ax + bend:.0f},{ay:.0f} {bx - bend:.0f},{by:.0f} {bx:.0f},{by:.0f}" '
                'fill="none" stroke="#444" stroke-dasharray="5 3" marker-end="url(#dag-arrow)"/>')
    ax, ay, bx, by = x1 + NODE_W / 2, y1 + NODE_H, x2 + NODE_W / 2, y2
    return (f'<path class="edge" {ends} d="M{ax:.0f},{ay:.0f} L{bx:.0f},{by:.0f}" fill="none" '
            'stroke="#444" marker-end="url(#dag-arrow)"/>')
