"""The shape of the package (docs: the layers): read from the source with ``ast``, so that a new
import that breaks the layering fails here, not in review.

- no circle among imports, module-level or inside functions (an import run later still ties the
  two modules together), and no module imports the ``pychamber.cli`` package's own code from
  below (its submodules are the commands' world; the package is the entry point);
- nothing outside ``cli/`` imports ``cli`` (not even lazily);
- only ``stores/``, ``aws.py`` and the modules named in AWS_USERS import ``aws``;
- in ``cli/``, only the console (``cli/console.py``) touches ``os.environ`` and
  ``sys.stdout``/``sys.stderr``: everything else gets the streams and the environment from it;
- every flag is a row of the one table (``settings.FLAGS``): no ``cli`` module declares an option
  of its own, and every row belongs to a command of the command table;
- Go's helpers (``go_*`` functions, int64 bounds) live in ``compat/``;
- no CLI library (typer, click) and no private module of any dependency is imported;
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


@pytest.mark.parametrize("top_level_only", [True, False], ids=["module-level", "with-function-imports"])
def test_no_import_circle(top_level_only):
    g = {m: {i for i in deps if i in MODULES} for m, deps in graph(top_level_only).items()}
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


def test_no_module_imports_the_cli_package_itself():
    """``pychamber.cli`` is the entry point: a command that imported it (``from pychamber.cli
    import ...``) would close a circle that the ancestor rule above cannot see."""
    for m, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "pychamber.cli" and m != "pychamber.__main__":
                names = [a.name for a in node.names if f"pychamber.cli.{a.name}" not in MODULES]
                assert not names, f"{m} imports {names} from the pychamber.cli package"


#: The modules besides stores/ and aws.py that import ``aws``, and why they must.
AWS_USERS = {
    "pychamber.api": "the library's one PYCHAMBER_TIMEOUT deadline around a read",
    "pychamber.doctor": "diagnostics: region, credentials, KMS key, permissions",
    "pychamber.ecs": "the account and region of the ARNs in an ECS secrets array",
    "pychamber.release": "releases are published to S3",
    "pychamber.cli": "the one PYCHAMBER_TIMEOUT deadline around a bounded command (list, history, tag read)",
    "pychamber.cli.console": "the MFA message when there is no terminal to ask on",
    "pychamber.cli.run": "exec's lookup of a failed AWS call (AwsError)",
}


def test_only_the_stores_and_the_named_modules_import_aws():
    for m, deps in graph(False).items():
        if m.startswith("pychamber.stores") or m == "pychamber.aws":
            continue
        if "pychamber.aws" in deps:
            assert m in AWS_USERS, f"{m} imports pychamber.aws: add it to AWS_USERS with the reason, or go through api"


def _attribute_uses(path: Path) -> set[str]:
    """``os.environ``, ``sys.stdout``, ... as written in the module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            found.add(f"{node.value.id}.{node.attr}")
    return found


#: cli/ modules whose environment reads belong to issue 18 item 6 (exec's request, built once
#: from the console's environment); this list only shrinks.
ENVIRON_PENDING = {"pychamber.cli.run"}


def test_only_the_console_touches_the_environment_and_the_streams_in_cli():
    for m in ENVIRON_PENDING:  # the list only shrinks: a module put right leaves it
        assert "os.environ" in _attribute_uses(MODULES[m]), \
            f"{m} no longer reads os.environ: drop it from ENVIRON_PENDING"
    for m, path in MODULES.items():
        if not m.startswith("pychamber.cli.") or m == "pychamber.cli.console":
            continue
        used = _attribute_uses(path) & {"os.environ", "sys.stdout", "sys.stderr", "sys.stdin"}
        if m in ENVIRON_PENDING:
            used -= {"os.environ"}
        assert not used, f"{m} uses {sorted(used)}: take them from the console (cli/console.py)"


def test_every_flag_is_a_row_of_the_one_table():
    from pychamber.cli.commands import COMMANDS
    from pychamber.settings import FLAGS

    paths = {c.path for c in COMMANDS}
    for row in FLAGS:
        assert row.scope == "global" or row.scope in paths, f"{row.names}: no command {row.scope!r}"
    spellings = {}
    for row in FLAGS:
        for name in row.names:
            key = (row.scope, name)
            assert key not in spellings, f"{name} declared twice in {row.scope!r}"
            spellings[key] = row
    # no other declaration of a flag: no cli module builds options or pflag rows itself
    for m, path in MODULES.items():
        if not m.startswith("pychamber.cli"):
            continue
        text = path.read_text()
        for marker in ("typer.Option(", "click.option(", "argparse", "cobra.PFlag(", "add_argument("):
            assert marker not in text or m == "pychamber.cli.parse" and marker == "cobra.PFlag(", (m, marker)


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


def test_no_cli_library_and_no_private_module_of_a_dependency():
    for m, deps in graph(False).items():
        bad = sorted(d for d in deps if d.split(".")[0] in ("typer", "click")
                     or (not d.startswith("pychamber") and any(p.startswith("_") for p in d.split(".")[1:])))
        assert not bad, f"{m} imports {bad}"
