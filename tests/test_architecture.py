"""The house (issues 17 and 23): glassnet's modules import each other one way only.

The engine sits at the bottom (activations, losses, initializers, network, run, optimizers,
training, gradcheck, ...), the data beside it (datasets, model files) with the glass box's
numbers (trace, grids) just above; experiments (evolution, stats, experiments/, study/) above
them; the faces on top (plots, display, tables, report, sklearn, playground/, and the command
line above all). Imports point down, and there is no loop: not through imports inside
functions, and not through display hooks either. An engine object shown in Jupyter or printed
asks :mod:`glassnet._views` for a renderer, which the faces register from their side
(:mod:`glassnet.display`, imported by the package), so the engine never imports a face.

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
        "glassnet._extras",
        "glassnet._files",
        "glassnet._random",
        "glassnet._validation",
        "glassnet._views",
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


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    function: str | None  # the innermost enclosing function, None at module level
    line: int

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


@pytest.fixture(scope="module")
def edges() -> list[Edge]:
    return import_edges()


def test_the_scan_sees_top_level_lazy_and_hook_imports(edges):
    pairs = {(e.source, e.target): e for e in edges}
    assert pairs[("glassnet.gradcheck", "glassnet.network")].function is None
    assert pairs[("glassnet.network", "glassnet.training")].function == "fit"  # lazy
    assert pairs[("glassnet.display", "glassnet.run")].function is None  # registers History
    assert pairs[("glassnet.cli.plot", "glassnet.plots")]  # `from glassnet import plots`
    assert ("glassnet.network", "glassnet.trace") in pairs
    assert not any(e.source == "glassnet.network" and e.function is None and e.target ==
                   "glassnet.training" for e in edges)  # TYPE_CHECKING skipped  # fmt: skip
    assert len(modules()) > 60


def test_every_module_has_a_layer():
    for module in modules():
        assert layer_of(module), f"{module}: place it in a layer of tests/test_architecture.py"


def test_no_import_cycles(edges):
    """No cycle, lazy imports and display hooks included."""
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle:\n  " + "\n  ".join(map(str, cycle or []))


def test_the_engine_never_imports_a_face(edges):
    """Engine, data and the glass box's numbers import no experiment and no face, not even in
    a display hook (the faces register their views in glassnet._views instead)."""
    wrong = [e for e in edges if layer_of(e.source) in LOWER and layer_of(e.target) in UPPER]
    assert not wrong, "imports pointing up:\n  " + "\n  ".join(map(str, wrong))


def test_engine_objects_show_themselves_through_the_registered_views():
    import numpy as np

    X, y = np.array([[0.0, 1.0]]), np.array([[1.0]])
    net = glassnet.Network([2, 1], seed=0)
    hist = net.fit(X, y, epochs=2)
    assert "<table" in hist._repr_html_() and str(hist).startswith("History: 2 epochs")
    assert "glassnet inspect" not in repr(net) and "Network 2-1" in repr(net.trace(X, y))


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
    """The checks themselves, on a small package: a lazy import closing a loop is a cycle, and
    so is a display hook importing a face; an engine function importing a face points up."""
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
    )
    (pkg / "report.py").write_text("import glassnet.network\n")
    (pkg / "training.py").write_text(
        "class History:\n"
        "    def __str__(self):\n"
        "        from glassnet.display import history_text\n"
    )
    (pkg / "display.py").write_text("from . import training\n")
    edges = import_edges(pkg)
    assert {(e.source, e.target) for e in find_cycle(edges) or []} in (
        {("glassnet.modelfile", "glassnet.network"), ("glassnet.network", "glassnet.modelfile")},
        {("glassnet.display", "glassnet.training"), ("glassnet.training", "glassnet.display")},
    )
    up = [str(e) for e in edges if layer_of(e.source) in LOWER and layer_of(e.target) in UPPER]
    assert up == ["glassnet.training -> glassnet.display (__str__, line 3)"]
    # without the two culprits, what is left is allowed
    rest = [e for e in edges if e.function not in ("save", "__str__")]
    assert find_cycle(rest) is None


# --- rule (d): no module reaches into another module's classes through their back door ------


def private_members(root: Path = ROOT) -> dict[str, set[str]]:
    """Per module, the underscored (not dunder) names its classes define: methods, class
    attributes and ``self._x = ...`` assignments."""
    out: dict[str, set[str]] = {}
    for name, path in modules(root).items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ClassDef):
                continue
            for item in ast.walk(node):
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    found.add(item.name)
                elif isinstance(item, ast.Attribute) and isinstance(item.ctx, ast.Store):
                    found.add(item.attr)
                elif isinstance(item, ast.Name) and isinstance(item.ctx, ast.Store):
                    found.add(item.id)
        out[name] = {n for n in found if n.startswith("_") and not n.endswith("__")}
    return out


def back_doors(root: Path = ROOT) -> list[str]:
    """Uses of ``obj._name`` where ``_name`` is an underscored member of a class of another
    module of the package (and of none of this module's own classes). ``self``, ``cls`` and
    ``super()`` are a class's own business; a module's private functions (``module._f``) are
    not class members."""
    members = private_members(root)
    wrong = []
    for name, path in modules(root).items():
        own = members[name]
        others = set().union(*(m for other, m in members.items() if other != name))
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Attribute) or node.attr not in others - own:
                continue
            base = node.value
            if isinstance(base, ast.Name) and base.id in ("self", "cls"):
                continue
            if isinstance(base, ast.Call) and ast.unparse(base.func) == "super":
                continue
            wrong.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    return wrong


def test_no_module_uses_another_modules_underscored_members():
    """The functional core (``Network.apply``, ``cost``, ``backprop``, the checks) and each
    class's public methods are the way in; nothing reaches past them (issue 23)."""
    wrong = back_doors()
    assert not wrong, "back doors:\n  " + "\n  ".join(wrong)


def test_the_back_door_rule_catches_a_reintroduced_use(tmp_path):
    pkg = tmp_path / "glassnet"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "network.py").write_text(
        "class Network:\n"
        "    def _forward(self, X):\n"
        "        return self._mm(X)\n"
        "    def forward(self, X):\n"
        "        return self._forward(X)\n"
    )
    (pkg / "training.py").write_text(
        "import numpy as np\n"
        "def step(net, X):\n"
        "    np._core\n"  # not one of the package's members: not flagged
        "    return net._forward(X)\n"
    )
    assert back_doors(pkg) == ["glassnet.training:4: net._forward"]
