"""Who may import whom (docs/design.md §2a), read from the source with `ast`: HTTP problems only
at the edge, no import cycle between the packages of service/, and an engine that knows
neither HTTP, MongoDB nor the service."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "service"
SCORING = ROOT / "scoring"

# The HTTP edge: the only modules that may raise, build or catch `service.errors.Problem`.
# Every `routes.py` belongs to it as well; below it, modules raise `service.domain.errors`.
HTTP_EDGE = (
    "service/errors.py",
    "service/auth.py",
    "service/http_edges.py",
    "service/jsonbody.py",
    "service/query_params.py",
    "service/observability/",
    "service/health/",
    "service/dashboard/console.py",
    "service/dashboard/fieldwork.py",
)


@dataclass(frozen=True)
class Import:
    module: str  # the absolute name imported
    names: tuple[str, ...]  # `from module import names`; () for `import module`
    line: int


@dataclass(frozen=True)
class Module:
    path: Path
    name: str
    tree: ast.Module

    @property
    def package(self) -> str:
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]

    def imports(self) -> Iterator[Import]:
        """Every import, at module level or inside a function."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield Import(alias.name, (), node.lineno)
            elif isinstance(node, ast.ImportFrom):
                yield Import(self._absolute(node), tuple(a.name for a in node.names), node.lineno)

    def _absolute(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        parts = self.package.split(".")
        base = parts[: len(parts) - node.level + 1]
        return ".".join([*base, node.module] if node.module else base)

    def relative_path(self) -> str:
        return self.path.relative_to(ROOT).as_posix()


def modules(root: Path) -> list[Module]:
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append(Module(path, name, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def is_edge(module: Module) -> bool:
    path = module.relative_path()
    return module.path.name == "routes.py" or any(
        path == edge or (edge.endswith("/") and path.startswith(edge)) for edge in HTTP_EDGE
    )


def problem_references(module: Module) -> list[int]:
    """Lines naming `Problem` of service.errors: imported, or read off the errors module."""
    lines = []
    aliases = set()  # names this module binds to service.errors
    for imported in module.imports():
        if imported.module == "service.errors" and (
            "Problem" in imported.names or "*" in imported.names
        ):
            lines.append(imported.line)
        if imported.module == "service" and "errors" in imported.names:
            aliases.add("errors")
    for node in ast.walk(module.tree):
        if (
            isinstance(node, ast.alias)
            and node.name in ("service.errors", "errors")
            and node.asname
        ):
            aliases.add(node.asname)
        if isinstance(node, ast.Attribute) and node.attr == "Problem":
            owner = ast.unparse(node.value)
            if owner == "service.errors" or owner in aliases:
                lines.append(node.lineno)
    return lines


def service_node(name: str) -> str | None:
    """The package of service/ a module belongs to (`service.rounds`), or the top-level module
    itself (`service.auth`); `service` is the app factory (service/__init__.py)."""
    parts = name.split(".")
    if parts[0] != "service":
        return None
    if len(parts) == 1:
        return "service"
    if (SERVICE / parts[1]).is_dir() or (SERVICE / f"{parts[1]}.py").exists():
        return f"service.{parts[1]}"
    return "service"


Edges = dict[str, dict[str, str]]  # node → imported node → where (path:line)


def import_graph(found: list[Module], node_of: Callable[[str], str | None]) -> Edges:
    edges: Edges = {}
    for module in found:
        source = node_of(module.name)
        assert source is not None, module.name
        for imported in module.imports():
            # `from service import errors` imports the module service.errors
            targets = [f"{imported.module}.{name}" for name in imported.names]
            targets = [t for t in targets if node_of(t) not in (None, node_of(imported.module))]
            for target in targets or [imported.module]:
                node = node_of(target)
                if node is not None and node != source:
                    edges.setdefault(source, {}).setdefault(
                        node, f"{module.relative_path()}:{imported.line}"
                    )
    return edges


def first_cycle(edges: Edges) -> list[str] | None:
    """A cycle as the list of its nodes (the first repeated at the end), or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(edges.get(node, {})):
            cycle = visit(target, [*path, node])
            if cycle:
                return cycle
        done.add(node)
        return None

    for start in sorted(edges):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return None


def described(cycle: list[str], edges: Edges) -> str:
    steps = [f"{a} → {b} ({edges[a][b]})" for a, b in itertools.pairwise(cycle)]
    return "import cycle: " + " · ".join(steps)


def scoring_node(name: str) -> str | None:
    """The module of scoring/ a name is in: `scoring.weights.calibrate` → `scoring.weights`."""
    parts = name.split(".")
    if parts[0] != "scoring":
        return None
    while len(parts) > 1 and not (
        (ROOT.joinpath(*parts)).is_dir() or ROOT.joinpath(*parts[:-1], f"{parts[-1]}.py").exists()
    ):
        parts.pop()
    return ".".join(parts)


def test_only_the_http_edge_names_problem() -> None:
    offenders = [
        f"{module.relative_path()}:{line}"
        for module in modules(SERVICE)
        if not is_edge(module)
        for line in problem_references(module)
    ]
    assert offenders == [], (
        "HTTP problems outside the edge (raise service.domain.errors): " + ", ".join(offenders)
    )


def test_the_packages_of_service_import_each_other_without_a_cycle() -> None:
    edges = import_graph(modules(SERVICE), service_node)
    cycle = first_cycle(edges)
    assert cycle is None, described(cycle or [], edges)


def test_the_modules_of_scoring_import_each_other_without_a_cycle() -> None:
    edges = import_graph(modules(SCORING), scoring_node)
    cycle = first_cycle(edges)
    assert cycle is None, described(cycle or [], edges)


def test_scoring_imports_neither_flask_pymongo_nor_the_service() -> None:
    forbidden = ("flask", "pymongo", "service", "werkzeug", "marshmallow")
    offenders = [
        f"{module.relative_path()}:{imported.line} imports {imported.module}"
        for module in modules(SCORING)
        for imported in module.imports()
        if imported.module.split(".")[0] in forbidden
    ]
    assert offenders == []


def test_the_cycle_check_finds_a_cycle_and_names_its_path() -> None:
    edges = {"a": {"b": "a.py:1"}, "b": {"c": "b.py:2"}, "c": {"a": "c.py:3"}}
    cycle = first_cycle(edges)
    assert cycle == ["a", "b", "c", "a"]
    assert described(cycle, edges) == (
        "import cycle: a → b (a.py:1) · b → c (b.py:2) · c → a (c.py:3)"
    )
