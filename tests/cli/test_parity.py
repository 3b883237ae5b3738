"""Texts checked against chamber v3.1.4's source (segmentio/chamber), where the reference is
silent."""

from __future__ import annotations


def test_export_error_names_the_service(run_cli):
    # cmd/export.go: fmt.Errorf("Failed to list store contents for service %s: %w", service, err)
    r = run_cli("-r", "1", "export", "web", "other", env_extra={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert r.returncode == 1
    assert r.stderr.startswith("Error: Failed to list store contents for service web: operation error "
                               "SSM: GetParametersByPath, ")
    assert len(r.stderr.splitlines()) == 1


def test_the_program_name_is_the_name_it_was_invoked_as(tmp_path):
    # cobra uses the command's Use/argv[0]: a pychamber installed as "chamber" says "chamber"
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src"
    launcher = tmp_path / "chamber"
    launcher.write_text(f"#!{sys.executable}\nfrom pychamber.cli import main\nmain()\n")
    launcher.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(src)}
    r = subprocess.run([str(launcher), "nosuch"], capture_output=True, text=True, env=env, timeout=60)
    assert (r.returncode, r.stderr) == (1, 'Error: unknown command "nosuch" for "chamber"\n'
                                           "Run 'chamber --help' for usage.\n")
    r = subprocess.run([str(launcher), "read", "x"], capture_output=True, text=True, env=env, timeout=60)
    assert "Usage:\n  chamber read <service> <key> [flags]\n\nRun 'chamber read --help' for details.\n" in r.stderr
    r = subprocess.run([sys.executable, "-m", "pychamber", "nosuch"], capture_output=True, text=True,
                       env=env, timeout=60)
    assert 'for "pychamber"' in r.stderr


def test_a_value_with_a_nul_byte_is_refused_at_write_and_import(run_cli):
    r = run_cli("write", "web", "k", "-", input=b"a\0b")
    assert (r.returncode, r.stderr) == (1, "Error: Failed to write secret k: the value contains a NUL "
                                           "byte, which no program's environment can hold\n")
    r = run_cli("import", "web", "-", input=b'{"k": "a\\u0000b"}')
    assert r.returncode == 1 and "NUL byte" in r.stderr and "nothing was written" in r.stderr
    assert run_cli("list", "web").stdout.count("\n") == 1  # header only: nothing stored
