"""The house (issue 17): glassnet's modules import each other one way only.

The engine sits at the bottom (activations, losses, initializers, network, optimizers,
training, gradcheck, ...), the data beside it (datasets, model files) with the glass box's
numbers (trace, grids) just above; experiments (evolution, stats, experiments/, study/) above
them; the faces on top (plots, display, tables, report, sklearn, playground/, and the command
line above all). Imports point down.

The one upward edge allowed is a display hook: ``_repr_html_`` (any ``_repr_*_``), ``__repr__``
or ``__str__`` of an engine object may import a face lazily, so a notebook or ``print`` shows it
while ``import glassnet`` imports no face (and no matplotlib).

The graph is read from the source with :mod:`ast`: every import, at the top of a module or
inside a function, except those under ``if TYPE_CHECKING:``. ``from glassnet import x`` is an
edge to ``glassnet.x`` when ``x`` is a module, else to the package ``glassnet``. Imports by
name at run time (``importlib.import_module``, the CLI's lazy command table) are not seen.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import glassnet

ROOT = Path(glassnet.__file__).parent

# Every module of the package belongs to one layer (a module is in a layer when its name is
# the entry or starts with the entry and a dot). A new module must be placed here.
LAYERS: dict[str, tuple[str, ...]] = {
    "engine": (
        "glassnet._random",
        "glassnet._validation",
        "glassnet._xp",
        "glassnet.activations",
        "glassnet.losses",
        "glassnet.initializers",
        "glassnet.optimizers",
        "glassnet.metrics",
        "glassnet.convergence",
        "glassnet.network",
        "glassnet.run",
        "glassnet.training",
        "glassnet.compiled",
        "glassnet.gradcheck",
    ),
    "data": ("glassnet.datasets", "glassnet._modelformat", "glassnet.modelfile"),
    "glass box": ("glassnet.trace", "glassnet.grids"),
    "experiments": (
        "glassnet.evolution",
        "glassnet.stats",
        "glassnet.experiments",
        "glassnet.study",
    ),
    "faces": (
        "glassnet._figure",
        "glassnet.plots",
        "glassnet.display",
        "glassnet.tables",
        "glassnet.report",
        "glassnet.sklearn",
        "glassnet.playground",
        "glassnet.cli",
        "glassnet.__main__",
    ),
    # the package re-exports the engine (``import glassnet as gn``)
    "package": ("glassnet",),
}
LOWER = ("engine", "data", "glass box")  # never import an experiment or a face
UPPER = ("experiments", "faces")


def layer_of(module: str) -> str | None:
    """The layer of ``module``: its longest entry in :data:`LAYERS` (None when it has none)."""
    matches = [
        (len(entry), layer)
        for layer, entries in LAYERS.items()
        for entry in entries
        if module == entry or (entry != "glassnet" and module.startswith(entry + "."))
    ]
    return max(matches)[1] if matches else None


def is_display_hook(function: str | None) -> bool:
    if function is None:
        return False
    return function in ("__repr__", "__str__") or (
        function.startswith("_repr_") and function.endswith("_")
    )


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    function: str | None  # the innermost enclosing function, None at module level
    line: int

    @property
    def hook(self) -> bool:
        """Lazy, inside a display hook, and into a face: the one allowed upward edge."""
        return is_display_hook(self.function) and layer_of(self.target) == "faces"

    def __str__(self) -> str:
        where = self.function or "<module>"
        return f"{self.source} -> {self.target} ({where}, line {self.line})"


def modules(root: Path = ROOT) -> dict[str, Path]:
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _targets(node: ast.Import | ast.ImportFrom, package: str, known: dict[str, Path]) -> set[str]:
    """The glassnet modules one import statement imports."""

    def module_of(name: str) -> str | None:
        while name and name not in known:  # "glassnet.x.Name" -> "glassnet.x"
            name = name.rpartition(".")[0]
        return name or None

    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:  # relative: up from the importing module's package
            up = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*up, base] if base else up)
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
    return {m for n in names if (m := module_of(n)) is not None}


def import_edges(root: Path = ROOT) -> list[Edge]:
    """Every import between the package's modules (``root`` is the package's directory)."""
    known = modules(root)
    edges: list[Edge] = []

    def walk(node: ast.AST, name: str, package: str, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:  # the else branch does run
                    walk(other, name, package, function)
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                for target in sorted(_targets(child, package, known) - {name}):
                    edges.append(Edge(name, target, function, child.lineno))
            inner = (
                child.name
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                else function
            )
            walk(child, name, package, inner)

    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        walk(ast.parse(path.read_text(), str(path)), name, package, None)
    return edges


def find_cycle(edges: list[Edge]) -> list[Edge] | None:
    """One cycle of ``edges`` (the edges that close it, in order), or None."""
    graph: dict[str, list[Edge]] = {}
    for e in edges:
        graph.setdefault(e.source, []).append(e)
    done: set[str] = set()
    nodes: list[str] = []  # the depth-first path; path[i] goes from nodes[i] to nodes[i + 1]
    path: list[Edge] = []

    def visit(node: str) -> list[Edge] | None:
        nodes.append(node)
        for e in graph.get(node, []):
            if e.target in nodes:
                return [*path[nodes.index(e.target) :], e]
            if e.target not in done:
                path.append(e)
                found = visit(e.target)
                if found:
                    return found
                path.pop()
        nodes.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        if node not in done:
            found = visit(node)
            if found:
                return found
    return None


def cycle_outside_hooks(edges: list[Edge]) -> list[Edge] | None:
    """Rule (a): a cycle that no display hook's edge into a face takes part in."""
    return find_cycle([e for e in edges if not e.hook])


def upward(edges: list[Edge]) -> list[Edge]:
    """Rule (b): engine, data and glass-box modules importing an experiment or a face, other
    than a display hook importing a face."""
    return [
        e
        for e in edges
        if layer_of(e.source) in LOWER and layer_of(e.target) in UPPER and not e.hook
    ]


@pytest.fixture(scope="module")
def edges() -> list[Edge]:
    return import_edges()


def test_the_scan_sees_top_level_lazy_and_hook_imports(edges):
    pairs = {(e.source, e.target): e for e in edges}
    assert pairs[("glassnet.gradcheck", "glassnet.network")].function is None
    assert pairs[("glassnet.network", "glassnet.training")].function == "fit"  # lazy
    assert pairs[("glassnet.run", "glassnet.display")].hook  # History._repr_html_
    assert pairs[("glassnet.cli.plot", "glassnet.plots")]  # `from glassnet import plots`
    assert ("glassnet.network", "glassnet.trace") in pairs
    assert not any(e.source == "glassnet.network" and e.function is None and e.target ==
                   "glassnet.training" for e in edges)  # TYPE_CHECKING skipped  # fmt: skip
    assert len(modules()) > 60


def test_every_module_has_a_layer():
    for module in modules():
        assert layer_of(module), f"{module}: place it in a layer of tests/test_architecture.py"


def test_no_import_cycles(edges):
    """No cycle, lazy imports included; only a display hook's edge into a face may close one."""
    cycle = cycle_outside_hooks(edges)
    assert cycle is None, "import cycle:\n  " + "\n  ".join(map(str, cycle or []))


def test_the_engine_never_imports_a_face(edges):
    """Engine, data and the glass box's numbers import no experiment and no face, except a
    display hook (``_repr_*_``, ``__repr__``, ``__str__``) importing a face."""
    wrong = upward(edges)
    assert not wrong, "imports pointing up:\n  " + "\n  ".join(map(str, wrong))


def test_only_the_command_line_imports_the_command_line(edges):
    """The CLI is the top: no face below it (display, plots, the playground...) imports it."""
    cli = ("glassnet.cli", "glassnet.__main__")
    wrong = [
        str(e)
        for e in edges
        if e.target.startswith("glassnet.cli") and not e.source.startswith(cli)
    ]
    assert not wrong, "\n  ".join(wrong)


def test_the_rules_catch_a_reintroduced_cycle(tmp_path):
    """The checks themselves, on a small package: a lazy import closing a loop is a cycle, a
    display hook's import of a face is not, and an engine function importing a face is upward."""
    pkg = tmp_path / "glassnet"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "modelfile.py").write_text("from glassnet.network import Network\n")
    (pkg / "network.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from glassnet.report import Report\n"
        "class Network:\n"
        "    def save(self, path):\n"
        "        from glassnet.modelfile import save\n"
        "    def _repr_html_(self):\n"
        "        from glassnet import plots\n"
    )
    (pkg / "plots.py").write_text("from glassnet.network import Network\n")
    (pkg / "report.py").write_text("import glassnet.network\n")
    (pkg / "training.py").write_text(
        "class History:\n"
        "    def to_dataframe(self):\n"
        "        from glassnet.display import history_frame\n"
        "    def __str__(self):\n"
        "        from glassnet.display import history_text\n"
    )
    (pkg / "display.py").write_text("from . import training\n")
    edges = import_edges(pkg)
    cycle = cycle_outside_hooks(edges)
    assert cycle is not None
    assert {(e.source, e.target) for e in cycle} in (
        {("glassnet.modelfile", "glassnet.network"), ("glassnet.network", "glassnet.modelfile")},
        {("glassnet.display", "glassnet.training"), ("glassnet.training", "glassnet.display")},
    )
    assert [str(e) for e in upward(edges)] == [
        "glassnet.training -> glassnet.display (to_dataframe, line 3)"
    ]
    # without the two culprits, what is left is allowed
    rest = [e for e in edges if e.function not in ("save", "to_dataframe")]
    assert cycle_outside_hooks(rest) is None and upward(rest) == []
