"""The engine's layers: every import between minispark's modules points down.

A reader should be able to read minispark bottom up: each module only uses
modules already read. This test parses every module of ``minispark/`` with
``ast``, builds the graph of the imports between minispark modules that run
(at the top of a module, and inside functions: a function-local import is an
edge like any other), and finds its strongly connected components with
Tarjan's algorithm. A component of more than one module (or a module importing
itself) is an import cycle: modules that can only be read together. The test
fails on any cycle not in ALLOWED below, where each entry says why its modules
belong together.

Imports under ``if TYPE_CHECKING:`` never run and are not held to the law: a
type hint may name a class of a higher layer whose objects a function is handed
(a Dependency names the RDDBase it points to, while rddbase.py imports
dependency.py; a mixin's methods return the public RDD). ``--typing`` below
shows the graph with them.

It also holds the project's other layering laws: the engine never imports
``course`` (nor ``datagen``, except the guided tours, which generate their
data), and the web UI (``minispark/ui``, ``history.py``) reads listener events
only: it imports the listener modules and the UI's own, never the engine.

Edges follow what a statement names: ``from minispark.rdds.mapped import X``
is an edge to ``minispark.rdds.mapped``, ``from minispark.ui import attach`` one
to the package ``minispark.ui`` (its ``__init__``). Python also runs the
parent packages' ``__init__`` first; those are fa\u00e7ades that sit above their
package, so that implicit step is not an edge (counting it would make every
module depend on ``minispark/__init__``, which imports the whole API).

Measure (the biggest cycle and every component):
``.venv/bin/python tests/test_layers.py [-v] [--typing] [--root DIR]``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "minispark"

# Each allowed cycle: its modules (exactly), and why they must be read together.
ALLOWED: dict[frozenset[str], str] = {}


# ------------------------------------------------------------------ the graph

def module_names(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module under root, by dotted name (a package by its own name)."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, source: str, modules: Iterable[str]) -> dict[str, tuple[int, str]]:
    """The minispark modules a module's source imports: target -> (first line, kind).

    kind is "top" (runs on import), "local" (inside a function: runs on call) or
    "typing" (under ``if TYPE_CHECKING:``: read by type checkers and readers).
    """
    modules = set(modules)
    tree = ast.parse(source)
    is_package = name in modules and any(m.startswith(name + ".") for m in modules)
    found: dict[str, tuple[int, str]] = {}

    def add(target: str, line: int, kind: str) -> None:
        if target in modules and target != name or target == name and kind != "top":
            found.setdefault(target, (line, kind))

    def visit(node: ast.AST, kind: str) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, "typing")
            for child in node.orelse:
                visit(child, kind)
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            kind = "typing" if kind == "typing" else "local"
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno, kind)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                # "from pkg import mod" names a module; "from mod import obj" the module.
                sub = f"{module}.{alias.name}"
                add(sub if sub in modules else module, node.lineno, kind)
        for child in ast.iter_child_nodes(node):
            visit(child, kind)

    visit(tree, "top")
    return found


def import_graph(root: Path = PACKAGE, kinds: tuple[str, ...] = ("top", "local")
                 ) -> dict[str, dict[str, tuple[int, str]]]:
    """module -> {imported minispark module: (line, kind)} for every module under root,
    keeping the imports of the given kinds (by default those that run)."""
    names = module_names(root)
    graph = {name: imports_of(name, path.read_text(), names) for name, path in names.items()}
    return {name: {t: v for t, v in targets.items() if v[1] in kinds}
            for name, targets in graph.items()}


def strongly_connected(graph: dict[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the strongly connected components, each sorted.

    Iterative, so a long chain cannot exhaust Python's recursion limit.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    nodes = set(graph) | {t for targets in graph.values() for t in targets}
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def cycles(graph: dict[str, Iterable[str]]) -> list[list[str]]:
    """The components that are cycles: more than one module, or a module importing itself."""
    return [c for c in strongly_connected(graph)
            if len(c) > 1 or c[0] in graph.get(c[0], ())]


# ------------------------------------------------------------------ the tests

def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": ["e"], "e": [], "f": ["f"],
             "g": ["d"]}
    assert sorted(cycles(graph)) == [["a", "b", "c"], ["f"]]
    assert sorted(map(tuple, strongly_connected(graph))) == [
        ("a", "b", "c"), ("d",), ("e",), ("f",), ("g",)]
    assert cycles({"a": ["b"], "b": [], "c": ["a", "b"]}) == []


def test_imports_of_sees_every_kind_of_import():
    source = (
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "import minispark.shuffle\n"
        "from minispark.rdds import mapped\n"
        "from . import storage\n"
        "from .storage import StorageLevel\n"
        "if TYPE_CHECKING:\n"
        "    from minispark.context import SparkContext\n"
        "def f():\n"
        "    from minispark.rdds.union import UnionRDD\n"
        "class C:\n"
        "    def g(self):\n"
        "        import minispark.ui as ui\n")
    modules = ["minispark", "minispark.shuffle", "minispark.rdds", "minispark.rdds.mapped",
               "minispark.rdds.union", "minispark.storage", "minispark.context",
               "minispark.ui", "minispark.x"]
    found = imports_of("minispark.x", source, modules)
    assert {t: kind for t, (_, kind) in found.items()} == {
        "minispark.shuffle": "top", "minispark.rdds.mapped": "top", "minispark.storage": "top",
        "minispark.context": "typing", "minispark.rdds.union": "local", "minispark.ui": "local"}
    # Relative imports inside a subpackage resolve against it.
    rel = imports_of("minispark.rdds.union", "from .mapped import M\nfrom .. import storage\n",
                     modules)
    assert set(rel) == {"minispark.rdds.mapped", "minispark.storage"}


def test_the_engine_has_no_import_cycle():
    graph = import_graph()
    found = {frozenset(c): c for c in cycles(graph)}
    unexplained = [c for key, c in found.items() if key not in ALLOWED]
    detail = []
    for component in unexplained:
        members = set(component)
        detail.append(f"cycle of {len(component)} modules:")
        detail += [f"  {m} -> {t} (line {line}, {kind})" for m in component
                   for t, (line, kind) in sorted(graph[m].items()) if t in members]
    assert not unexplained, "\n".join(detail)
    stale = [sorted(key) for key in ALLOWED if key not in found]
    assert not stale, f"ALLOWED names cycles that no longer exist: {stale}"
    assert all(reason.strip() for reason in ALLOWED.values())


def _subclasses(cls: type) -> list[type]:
    found, stack = [], [cls]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub.__module__.startswith("minispark.") and sub not in found:
                found.append(sub)
                stack.append(sub)
    return found


def test_every_rdd_the_engine_defines_is_a_public_rdd():
    """The core (rddbase.RDDBase) has one direct subclass, the public RDD, so every RDD the
    API returns passes ``isinstance(x, RDD)`` and has every method; each kind is found by
    its own name in the registry the methods use, and no mixin hides a core attribute."""
    import minispark
    from minispark.rdd import RDD
    from minispark.rddbase import RDDBase, rdd_class

    kinds = _subclasses(RDDBase)
    assert len(kinds) > 15 and RDD in kinds
    assert [k for k in kinds if RDDBase in k.__bases__] == [RDD]
    assert all(issubclass(k, RDD) for k in kinds)
    assert len({k.__name__ for k in kinds}) == len(kinds), "two RDD classes share a name"
    assert all(rdd_class(k.__name__) is k for k in kinds)
    assert all(getattr(RDD, name) is getattr(RDDBase, name) for name in vars(RDDBase)
               if not name.startswith("__") or name in ("__getstate__", "__repr__"))
    assert minispark.RDD is RDD and minispark.rdd.PipelinedRDD is rdd_class("MapPartitionsRDD")
    with pytest.raises(LookupError, match="no RDD class named 'NoSuchRDD'"):
        rdd_class("NoSuchRDD")


def test_every_rdd_the_api_returns_is_an_rdd_and_pickles(sc):
    import cloudpickle

    from minispark import RDD

    a = sc.parallelize(range(6), 2)
    pairs = a.map(lambda x: (x % 3, x))
    made = [a, a.map(str), a.union(a), a + pairs, a.cartesian(a), a.zip(a), a.coalesce(1),
            a.repartition(3), pairs.reduceByKey(max), pairs.sortByKey(), pairs.join(pairs),
            a.barrier().mapPartitions(lambda it: it), a.pipe("cat"), sc.emptyRDD(),
            sc.range(3), a.sample(False, 0.5, 1)]
    assert all(isinstance(r, RDD) for r in made), [type(r) for r in made]
    again = cloudpickle.loads(cloudpickle.dumps(pairs.reduceByKey(max)))
    assert isinstance(again, RDD) and type(again).__name__ == "ShuffledRDD"
    assert sorted(pairs.reduceByKey(max).collect()) == [(0, 3), (1, 4), (2, 5)]


def test_each_module_imports_alone(tmp_path):
    """No import order is needed: any module, imported first in a fresh interpreter, loads
    (a cycle the graph missed, or a kind registered too late, would fail here)."""
    import subprocess

    names = sorted(n for n in module_names() if not n.endswith(("tour", "history")))
    code = ("import importlib, sys\n"
            "for name in sys.argv[1:]:\n"
            "    for m in [m for m in sys.modules if m.startswith('minispark')]:\n"
            "        del sys.modules[m]\n"
            "    importlib.import_module(name)\n"
            "from minispark.rddbase import rdd_class\n"
            "rdd_class('MapPartitionsRDD')\n")
    run = subprocess.run([sys.executable, "-c", code, *names], capture_output=True,
                         text=True, timeout=240, cwd=PACKAGE.parent)
    assert run.returncode == 0, run.stderr[-3000:]


def test_the_engine_never_imports_the_course():
    offenders = []
    tours = {"minispark.tour", "minispark.streaming.tour"}
    for name, path in module_names().items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level \
                else []
            for target in targets:
                top = target.split(".")[0]
                if top == "course" or top == "datagen" and name not in tours:
                    offenders.append(f"{name}:{node.lineno} imports {target}")
    assert not offenders, offenders


UI_MAY_IMPORT = ("minispark.ui", "minispark.scheduler.listener", "minispark.streaming.listener",
                 "minispark.streaming.batchinfo", "minispark.taskcontext")


def test_the_ui_reads_listener_events_only():
    """The UI and the history server see the engine only through listener events (and the
    TaskMetrics that task events carry); a UI that reached into the scheduler or the RDDs
    would show what a real Spark UI cannot."""
    graph = import_graph()
    offenders = [f"{name} -> {target} (line {line})"
                 for name, targets in graph.items()
                 if name == "minispark.history" or name.startswith("minispark.ui")
                 for target, (line, _) in targets.items()
                 if not any(target == m or target.startswith(m + ".") for m in UI_MAY_IMPORT)]
    assert not offenders, offenders


def test_the_layer_checks_can_fail(tmp_path):
    """The same walk over a small package with a cycle, a course import and a UI reaching
    into the engine finds all three."""
    pkg = tmp_path / "minispark"
    (pkg / "ui").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from minispark.b import x\n")
    (pkg / "b.py").write_text("def f():\n    from minispark import a\n")
    (pkg / "ui" / "__init__.py").write_text("from minispark.a import y\n")
    graph = import_graph(pkg)
    assert cycles(graph) == [["minispark.a", "minispark.b"]]
    assert graph["minispark.ui"] == {"minispark.a": (1, "top")}


def main(argv: list[str]) -> int:
    """Print the import cycles, biggest first (-v: with the edges inside each).

    By default the imports that run (top and local); --typing adds those under
    ``if TYPE_CHECKING:``; --root DIR measures another copy of minispark/ (e.g. one
    extracted with ``git archive <commit> minispark | tar -x -C /tmp/old``).
    """
    kinds = ("top", "local", "typing") if "--typing" in argv else ("top", "local")
    root = Path(argv[argv.index("--root") + 1]) if "--root" in argv else PACKAGE
    graph = import_graph(root, kinds=kinds)
    found = sorted(cycles(graph), key=len, reverse=True)
    edges = sum(len(t) for t in graph.values())
    print(f"{len(graph)} modules, {edges} import edges ({', '.join(kinds)}), "
          f"{len(found)} cycle(s); biggest: {len(found[0]) if found else 0} modules")
    for component in found:
        members = set(component)
        print(f"\ncycle of {len(component)}: {', '.join(component)}")
        if "-v" in argv:
            for m in component:
                for t, (line, kind) in sorted(graph[m].items()):
                    if t in members:
                        print(f"  {m} -> {t} (line {line}, {kind})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
