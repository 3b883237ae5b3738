"""chamber's open requests, as pychamber flags: ``write --preserve-case`` (chamber PR #643 for
#644), ``exec --no-warn-conflicts`` (PR #646 for #269), and the refusal of a service with no
secrets at all (``materialize``; ``exec --strict-services``; ``exec`` itself keeps chamber's
behaviour and runs the program)."""

from __future__ import annotations

import sys

import pytest

PRINT_ENV = [sys.executable, "-c", "import os; print(os.environ.get('LOG_LEVEL'), os.environ.get('DB'))"]
NO_SECRETS = "Error: service wbe has no secrets (is the name right?)\n"


@pytest.fixture(params=["ssm", "local"])
def backend(request, tmp_path):
    """-b for the backend (local: its own database under tmp_path)."""
    if request.param == "local":
        return {"CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_PATH": str(tmp_path / "s.db"),
                "PYCHAMBER_LOCAL_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}
    return {"CHAMBER_SECRET_BACKEND": "ssm"}


def test_write_preserve_case_stores_the_key_as_given(run_cli, ssm_client, backend):
    run_cli("write", "--preserve-case", "web", "DB_Host", "h1", env_extra=backend, check=True)
    run_cli("write", "web", "Other_Key", "h2", env_extra=backend, check=True)
    listed = run_cli("list", "web", env_extra=backend, check=True).stdout
    assert "DB_Host\t" in listed and "other_key\t" in listed and "Other_Key" not in listed
    r = run_cli("read", "-q", "--exact-key", "web", "DB_Host", env_extra=backend, check=True)
    assert r.stdout == "h1\n"
    # a second write of the same spelling is version 2 of the same key
    run_cli("write", "--preserve-case", "web", "DB_Host", "h3", env_extra=backend, check=True)
    r = run_cli("read", "--exact-key", "web", "DB_Host", env_extra=backend, check=True)
    assert r.stdout.splitlines()[1].split()[:3] == ["DB_Host", "h3", "2"]
    if backend["CHAMBER_SECRET_BACKEND"] == "ssm":
        assert ssm_client.get_parameter(Name="/web/DB_Host", WithDecryption=True)["Parameter"]["Value"] == "h3"
    # the key is still validated
    bad = run_cli("write", "--preserve-case", "web", "Bad Key", "v", env_extra=backend, check=1)
    assert bad.stderr.startswith("Error: Failed to validate key: ")


def test_exec_no_warn_conflicts(run_cli, backend):
    run_cli("write", "web", "log_level", "debug", env_extra=backend, check=True)
    run_cli("write", "shared", "log_level", "info", env_extra=backend, check=True)
    warned = run_cli("exec", "web", "shared", "--", *PRINT_ENV, env_extra=backend, check=True)
    assert warned.stderr == "warning: service shared overwriting environment variable LOG_LEVEL\n"
    quiet = run_cli("exec", "--no-warn-conflicts", "web", "shared", "--", *PRINT_ENV,
                    env_extra=backend, check=True)
    assert quiet.stdout == warned.stdout == "info None\n"  # the later service still wins
    assert quiet.stderr == ""
    # through the full CLI too (the fast path leaves --verbose lines to it)
    dry = run_cli("exec", "--no-warn-conflicts", "--dry-run", "web", "shared", "--", "true",
                  env_extra=backend, check=True)
    assert dry.stderr == ""


def test_exec_strict_services_refuses_a_service_with_no_secrets(run_cli, backend):
    run_cli("write", "web", "log_level", "debug", env_extra=backend, check=True)
    # chamber's behaviour: the program runs without the misspelt service's secrets
    r = run_cli("exec", "web", "wbe", "--", *PRINT_ENV, env_extra=backend, check=True)
    assert r.stdout == "debug None\n"
    for extra, parent in (([], {}), (["--strict"], {"LOG_LEVEL": "chamberme"})):
        r = run_cli("exec", "--strict-services", *extra, "web", "wbe", "--", *PRINT_ENV,
                    env_extra={**backend, **parent}, check=1)
        assert (r.stdout, r.stderr) == ("", NO_SECRETS)
    r = run_cli("exec", "--strict-services", "--dry-run", "wbe", "--", "true", env_extra=backend, check=1)
    assert r.stderr == NO_SECRETS


def test_materialize_refuses_a_service_with_no_secrets(run_cli, backend, tmp_path):
    run_cli("write", "web", "log_level", "debug", env_extra=backend, check=True)
    out = tmp_path / "secrets"
    r = run_cli("materialize", "web", "wbe", "--dir", out, env_extra=backend, check=1)
    assert (r.stdout, r.stderr) == ("", NO_SECRETS)
    assert not out.exists()  # nothing written, not even the directory
    run_cli("materialize", "web", "--dir", out, env_extra=backend, check=True)
    assert (out / "log_level").read_text() == "debug"


def test_the_library_materialize_refuses_too(aws_process_env, monkeypatch, tmp_path):
    import pychamber
    from pychamber import api

    monkeypatch.setenv("CHAMBER_SECRET_BACKEND", "local")
    monkeypatch.setenv("PYCHAMBER_LOCAL_PATH", str(tmp_path / "s.db"))
    monkeypatch.setenv("PYCHAMBER_LOCAL_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    pychamber.open_store().write(pychamber.SecretId("web", "k"), "v")
    with pytest.raises(pychamber.ChamberError, match=r"^service wbe has no secrets \(is the name right\?\)$"):
        api.materialize("web", "wbe", directory=tmp_path / "out")
    assert pychamber.env("wbe") == {}  # env keeps exec's (chamber's) behaviour
