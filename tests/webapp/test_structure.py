"""No module of the web layer imports a module that imports it back, so each loads in one plain top-to-bottom pass
(a blueprint's routes never depend on which file happened to be imported first)."""

from __future__ import annotations

import ast
from pathlib import Path

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"


def _modules(root: Path) -> dict[str, Path]:
    """Dotted name of every module under root (root itself is the top package)."""
    found = {}
    for path in root.rglob("*.py"):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of the same tree that `name` imports anywhere in its text (also inside functions).

    `from package import thing` counts as importing the module package.thing when there is one, else the package.
    The parent packages Python loads on the way are not counted: every package would otherwise "loop" with its
    own modules."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {t for t in targets if t in modules and t != name}


def import_cycles(root: Path) -> list[list[str]]:
    """Each loop of imports found by a depth-first walk, as the list of modules around it."""
    modules = _modules(root)
    graph = {name: sorted(_imported(name, path, modules)) for name, path in modules.items()}
    cycles, done, path = [], set(), []

    def visit(name: str) -> None:
        path.append(name)
        for target in graph[name]:
            if target in path:
                cycles.append(path[path.index(target) :] + [target])
            elif target not in done:
                visit(target)
        path.pop()
        done.add(name)

    for name in sorted(graph):
        if name not in done:
            visit(name)
    return cycles


def test_no_module_of_the_web_layer_imports_a_module_that_imports_it_back():
    cycles = import_cycles(WEBAPP)
    assert not cycles, "import loops in webapp/:\n" + "\n".join(" → ".join(c) for c in cycles)


def test_the_loop_finder_names_a_blueprint_package_that_imports_its_routes_back(tmp_path):
    """The shape this replaced: the package makes `bp` and imports its route module, which imports `bp` from it."""
    root = tmp_path / "site"
    (root / "pages").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "pages" / "__init__.py").write_text("bp = object()\nfrom site.pages import extra  # noqa: E402\n")
    (root / "pages" / "extra.py").write_text("from site.pages import bp\n")
    (root / "pages" / "calm.py").write_text("from . import extra\n")
    assert import_cycles(root) == [["site.pages", "site.pages.extra", "site.pages"]]
