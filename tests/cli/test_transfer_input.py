"""import's input through the CLI (local backend, in-process unless said): hostile YAML ends in
one line within a bounded time, dotenv files are known by their names, the errors name the
format the user asked for, and --flatten / --expand."""

from __future__ import annotations

import json

import pytest

from cli.test_transfer_roundtrip import env_for
from conftest import invoke, spawn



@pytest.fixture
def env(tmp_path):
    e = env_for(tmp_path / "db" / "s.db")
    return e


def run(env, *args, input=None):
    return invoke(args, env, input, text=True)


def exported(env, service="svc"):
    p = run(env, "export", service)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def one_error_line(p, start):
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert p.stderr.startswith("Error: " + start) and p.stderr.count("\n") == 1, p.stderr
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr


# --- hostile YAML (hardening item 7): a real process, a deadline it cannot meet if it hangs ------

def merge_bomb(levels: int) -> str:
    maps = ["&a0 {k0: v}"] + [f"&a{i} {{<<: [*a{i - 1}, *a{i - 1}], k{i}: v}}" for i in range(1, levels + 1)]
    return "<<: [" + ", ".join(maps) + "]\n"


@pytest.mark.parametrize("text, start", [
    ("<<: &a {<<: *a, k: v}\n", "Failed to decode input as json: [1:5] a merge key refers to the map it is in"),
    ("a: " + "{b: " * 3000 + "c" + "}" * 3000 + "\n", "Failed to decode input as json: [1:"),
    ("a: " + "[" * 200000 + "\n", "Failed to decode input as json: [1:"),
    ("a: 1\nb: x\x01y\n", "Failed to decode input as json: [2:5] the character U+0001 is not allowed"),
])
def test_hostile_yaml_is_one_line(env, tmp_path, text, start):
    f = tmp_path / "in.yaml"
    f.write_text(text)
    p = spawn(["import", "svc", str(f)], env, text=True, timeout=60)
    one_error_line(p, start)


def test_merge_bomb_imports_in_bounded_time(env, tmp_path):
    f = tmp_path / "bomb.yaml"
    f.write_text(merge_bomb(40))  # 1.3 KB; 2**40 entries expanded naively
    p = spawn(["import", "svc", str(f)], env, text=True, timeout=60)
    assert (p.returncode, p.stdout) == (0, "Successfully imported 41 secrets\n"), p.stderr


# --- dotenv (hardening item 8, everyday item 10) ----------------------------------------------

TRICKY = {"PASSWORD": "p@ss$w0rd`id`\\n", "DOLLAR": "${HOME} and $HOME", "QUOTES": "it's \"x\"",
          "MULTI": "line1\nline2\r\n", "TRAIL": "ends with \\"}


def test_dotenv_export_imports_back_unchanged(env, tmp_path):
    assert run(env, "import", "one", "-", input=json.dumps(TRICKY)).returncode == 0
    f = tmp_path / ".env"
    assert run(env, "export", "-f", "dotenv", "-o", str(f), "one").returncode == 0
    assert "\\$" in f.read_text()  # chamber's bytes: "$" written escaped
    p = run(env, "import", "two", str(f))
    assert p.returncode == 0, p.stderr
    assert exported(env, "two") == {k.lower(): v for k, v in TRICKY.items()}
    p = run(env, "import", "one", str(f))
    assert p.returncode == 0, p.stderr
    assert exported(env, "one") == TRICKY


@pytest.mark.parametrize("name", [".env", "prod.env", ".env.production", ".env.local", "app.env.example"])
def test_dotenv_known_by_name(env, tmp_path, name):
    f = tmp_path / name
    f.write_text("# settings\nexport A=1\nB='two words'\n")
    p = run(env, "import", "svc", str(f))
    assert (p.returncode, p.stdout) == (0, "Successfully imported 2 secrets\n"), p.stderr
    assert exported(env) == {"a": "1", "b": "two words"}  # new names: chamber's lower case


@pytest.mark.parametrize("name", ["app.env.json", ".env.yaml", "env.yml"])
def test_data_files_named_env_stay_yaml(env, tmp_path, name):
    f = tmp_path / name
    f.write_text("a: 1\n")
    assert run(env, "import", "svc", str(f)).returncode == 0
    assert exported(env) == {"a": "1"}


def test_dotenv_piped_says_use_format_dotenv(env):
    p = run(env, "import", "svc", "-", input="A=1\nB=2\n")
    one_error_line(p, "Failed to decode input as json: [1:1] cannot unmarshal a scalar into map[string]string; "
                      "the input looks like dotenv: use --format dotenv")
    p = run(env, "import", "--format", "dotenv", "svc", "-", input="A=1\nB=2\n")
    assert p.returncode == 0, p.stderr


def test_errors_name_the_format_asked_for(env):
    # chamber's words when no format is given (chamber says "as json" for every input)
    one_error_line(run(env, "import", "svc", "-", input="a: [1]\n"),
                   'Failed to decode input as json: [1:4] cannot unmarshal a sequence into a string (key "a")')
    one_error_line(run(env, "import", "--format", "yaml", "svc", "-", input="a: [1]\n"),
                   'Failed to decode input as yaml: [1:4] cannot unmarshal a sequence')
    one_error_line(run(env, "import", "--format", "yaml", "svc", "-", input=""),
                   "Failed to decode input as yaml: EOF")
    one_error_line(run(env, "import", "--format", "dotenv", "svc", "-", input="A=1\nB\n"),
                   "Failed to decode input as dotenv: line 2: a name without '=' (expected KEY=value)")
    p = invoke(["import", "--format", "dotenv", "svc", "-"], env, b"A=1\n\xff\n", text=True)
    one_error_line(p, "Failed to decode input as dotenv: the input is not valid UTF-8")


# --- --flatten (everyday item 6) and --expand (item 10) -------------------------------------------

NESTED = "db:\n  host: h\n  port: 5432\nname: app\n"


@pytest.mark.parametrize("args, want", [
    (["--flatten", "svc", "IN"], {"db_host": "h", "db_port": "5432", "name": "app"}),
    (["svc", "IN", "--flatten"], {"db_host": "h", "db_port": "5432", "name": "app"}),
    (["svc", "--flatten", "IN"], {"db_host": "h", "db_port": "5432", "name": "app"}),
    (["--flatten=.", "svc", "IN"], {"db.host": "h", "db.port": "5432", "name": "app"}),
    (["svc", "IN", "--flatten=-"], {"db-host": "h", "db-port": "5432", "name": "app"}),
])
def test_import_flatten(env, tmp_path, args, want):
    f = tmp_path / "in.yaml"
    f.write_text(NESTED)
    p = run(env, "import", *[str(f) if a == "IN" else a for a in args])
    assert (p.returncode, p.stdout) == (0, "Successfully imported 3 secrets\n"), p.stderr
    assert exported(env) == want


def test_import_nested_without_flatten_keeps_chamber_error(env, tmp_path):
    f = tmp_path / "in.yaml"
    f.write_text(NESTED)
    one_error_line(run(env, "import", "svc", str(f)),
                   'Failed to decode input as json: [2:3] cannot unmarshal a mapping into a string (key "db")')


def test_import_flatten_and_expand_refused_where_meaningless(env, tmp_path):
    f = tmp_path / ".env"
    f.write_text("A=1\n")
    one_error_line(run(env, "import", "--flatten", "svc", str(f)), "--flatten applies to JSON and YAML input")
    one_error_line(run(env, "import", "--expand", "svc", "-", input="{}"), "--expand applies to dotenv input")
    one_error_line(run(env, "import", "--flatten=a/b", "svc", "-", input="{}"), "Invalid --flatten separator \"a/b\"")


def test_import_expand(env, tmp_path):
    f = tmp_path / ".env.local"
    f.write_text('HOST=db\nURL="pg://${HOST}:${PORT:-5432}/${DB_NAME}"\nRAW=\'${HOST}\'\n')
    assert run(env, "import", "lit", str(f)).returncode == 0
    assert exported(env, "lit")["url"] == "pg://${HOST}:${PORT:-5432}/${DB_NAME}"
    p = run({**env, "DB_NAME": "main", "HOST": "from-env"}, "import", "--expand", "exp", str(f))
    assert p.returncode == 0, p.stderr
    assert exported(env, "exp") == {"host": "db", "url": "pg://db:5432/main", "raw": "${HOST}"}
