"""The shape of the package (docs: the layers): read from the source with ``ast``, so that a new
import that breaks the layering fails here, not in review.

- no circle among module-level imports;
- nothing outside ``cli/`` imports ``cli`` (not even lazily);
- the pure domain (names, model, envbuild, formats, compat, errors) imports no cli, stores,
  aws, settings or botocore, directly or through what it imports;
- ``import pychamber``, ``pychamber --help`` and ``pychamber version`` import no botocore.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "pychamber"

PURE = ("pychamber.names", "pychamber.model", "pychamber.envbuild", "pychamber.errors",
        "pychamber.formats", "pychamber.compat")
FORBIDDEN_FOR_PURE = ("pychamber.cli", "pychamber.stores", "pychamber.aws", "pychamber.settings",
                      "pychamber.api", "botocore", "boto3")


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in PKG.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def imports(name: str, top_level_only: bool) -> set[str]:
    """The modules ``name`` imports (parent packages included, as Python runs them first)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text())
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()

    def add(target: str) -> None:
        parts = target.split(".")
        for i in range(1, len(parts) + 1):
            found.add(".".join(parts[:i]))

    def visit(nodes, top: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and _is_type_checking(node):
                continue  # typing only: never executed
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[:len(base) - node.level + 1]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                add(mod)
                for alias in node.names:  # "from pychamber.cli import run" imports a module
                    if f"{mod}.{alias.name}" in MODULES:
                        add(f"{mod}.{alias.name}")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                if not top_level_only:
                    visit(ast.iter_child_nodes(node), False)
                continue
            children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]
            visit(children, top)

    visit(tree.body, True)
    # the importer's own ancestors are loaded before it, whatever it imports: not an edge
    ancestors = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
    return found - ancestors - {name}


def graph(top_level_only: bool) -> dict[str, set[str]]:
    return {m: {i for i in imports(m, top_level_only) if i in MODULES or not i.startswith("pychamber")}
            for m in MODULES}


def test_no_circle_among_module_level_imports():
    g = {m: {i for i in deps if i in MODULES} for m, deps in graph(True).items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(g[m]):
            if state.get(d) == 1:
                cycle = stack[stack.index(d):] + [d]
                pytest.fail("import circle: " + " -> ".join(cycle))
            elif d not in state:
                dfs(d)
        stack.pop()
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            dfs(m)


def test_nothing_outside_cli_imports_cli():
    for m, deps in graph(False).items():
        if m == "pychamber.cli" or m.startswith("pychamber.cli.") or m == "pychamber.__main__":
            continue
        bad = sorted(d for d in deps if d == "pychamber.cli" or d.startswith("pychamber.cli."))
        assert not bad, f"{m} imports {bad}"


def test_pure_domain_imports_nothing_with_io():
    g = graph(False)
    for m in MODULES:
        if not any(m == p or m.startswith(p + ".") for p in PURE):
            continue
        seen: set[str] = set()
        todo = [m]
        while todo:
            cur = todo.pop()
            for d in g.get(cur, ()):
                if d in seen:
                    continue
                seen.add(d)
                assert not any(d == f or d.startswith(f + ".") for f in FORBIDDEN_FOR_PURE), \
                    f"{m} reaches {d} (through {cur})"
                if d in g:
                    todo.append(d)


@pytest.mark.parametrize("code", [
    "import pychamber; pychamber.SecretId; pychamber.env",
    "from pychamber.cli import run_cli; run_cli(['--help'])",
    "from pychamber.cli import run_cli; run_cli(['version'])",
])
def test_no_botocore_until_a_store_talks_to_aws(code):
    probe = (f"import sys, contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n    {code}\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_go_helpers_and_shared_pieces_live_once():
    """Go emulation only in compat/ (no ``def go_*``, no int64 bound written out elsewhere); the
    default KMS alias only in settings; one thread pool for a many-service listing
    (stores.base.concurrently); one check of a service or key name (names)."""
    import re

    int64 = re.compile(r"2\s*\*\*\s*63|1\s*<<\s*63|9223372036854775807")
    for name, path in MODULES.items():
        text = path.read_text()
        in_compat = name.startswith("pychamber.compat")
        if not in_compat:
            assert not re.search(r"^\s*def _?go_\w+\(", text, re.M), f"{name} defines a Go helper"
            assert not int64.search(text), f"{name} spells out an int64 bound (compat.strconv has them)"
        if name != "pychamber.settings":
            assert '"alias/parameter_store_key"' not in text, f"{name} repeats the default KMS alias"
        if name != "pychamber.stores.base":
            assert "ThreadPoolExecutor" not in text, f"{name} builds its own thread pool"
        if name != "pychamber.names":
            assert not re.search(r"\b(SERVICE_MSG|SERVICE_LABEL_MSG|KEY_MSG)\b", text), \
                f"{name} refuses a service or key itself (names.service_name / key_name)"
