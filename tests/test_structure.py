"""The shape of the package, read from its source: imports form no cycle and only go down the pipeline's layers,
no module writes the process environment, functions stay short, and the public face is what the README says."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "cppcc_qa"

# Lower layers never import higher ones (lazy imports inside functions included).
LAYERS = [
    {"_version", "errors", "settings", "records", "textnorm"},
    {"places", "lexical", "sources", "extract", "fusion", "embed", "crosslingual", "glossary", "meta", "facts"},
    {"layout", "chunk", "store"},
    {"build", "service"},
    {"query", "search", "rerank", "abstain"},
    {"evidence", "render"},
    {"table", "compose", "quotes", "llm", "export", "userdata", "evaluate", "viewer"},
    {"cli", "ui"},
]
LAYER = {m: n for n, mods in enumerate(LAYERS) for m in mods}


def _imports(path: Path) -> set[str]:
    """Modules of the package that ``path`` imports, at any depth (``from .x import y``, ``from . import x``)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.add(node.module.split(".")[0])
            else:
                out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cppcc_qa."):
            out.add(node.module.split(".")[1])
    return out


GRAPH = {p.stem: _imports(p) for p in SRC.glob("*.py") if p.stem != "__init__"}


def test_every_module_has_a_layer():
    assert set(GRAPH) == set(LAYER), set(GRAPH) ^ set(LAYER)


def test_imports_only_go_down_or_across_the_layers():
    upward = [(a, b) for a, deps in GRAPH.items() for b in deps if b in LAYER and LAYER[b] > LAYER[a]]
    assert upward == []


def test_the_import_graph_has_no_cycle():
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(GRAPH.get(node, ())):
            if dep not in GRAPH:
                continue
            if state.get(dep) == 1:
                pytest.fail("import cycle: " + " -> ".join([*path, node, dep]))
            if dep not in state:
                visit(dep, [*path, node])
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [])


def _writes_environ(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        target = None
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            target = next((t for t in targets if isinstance(t, ast.Subscript)), None)
            target = target.value if target is not None else None
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("setdefault", "update", "pop", "clear", "putenv"):
            target = node.func.value if node.func.attr != "putenv" else node.func
        if (target is not None and "environ" in ast.unparse(target)) or (
                isinstance(node, ast.Call) and "putenv" in ast.unparse(node.func)):
            lines.append(node.lineno)
    return lines


def test_no_module_writes_the_environment():
    found = {p.name: lines for p in SRC.glob("*.py") if (lines := _writes_environ(ast.parse(p.read_text("utf-8"))))}
    assert found == {}


def test_functions_are_short_or_say_why():
    long = []
    for path in SRC.glob("*.py"):
        source = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(source))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                head = "\n".join(source[node.lineno - 1 : node.lineno + 3])
                if size > 60 and "# long:" not in head:
                    long.append(f"{path.name}:{node.name} ({size} lines)")
    assert long == []


def test_version_lives_in_its_own_module_and_the_public_face_is_declared():
    import cppcc_qa
    from cppcc_qa._version import __version__

    assert cppcc_qa.__version__ == __version__
    for name in cppcc_qa.__all__:
        assert getattr(cppcc_qa, name) is not None, name
    assert (SRC / "py.typed").exists()
