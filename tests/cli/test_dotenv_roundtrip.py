"""The developer's loop (issue 20, item 1): export -f dotenv, edit the file, import it, exec.
Names go back to the keys they came from: the edited value wins, no second upper-case key, no
warning; on SSM (moto) and on the local store."""

from __future__ import annotations

import json

import pytest

from cli.test_transfer import LOCAL_KEY

SECRETS = {"db_password": "old-pw", "db-host": "db.internal", "api.token": "t0k$n`x`",
           "MixedCase": "m", "multi": "line1\nline2"}


@pytest.fixture(params=["ssm", "local"])
def cli(request, run_cli, tmp_path):
    extra = {}
    if request.param == "local":
        extra = {"CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_PATH": str(tmp_path / "db" / "s.db"),
                 "PYCHAMBER_LOCAL_KEY": LOCAL_KEY}

    def run(*args, env_extra=None, **kw):
        return run_cli(*args, env_extra={**extra, **(env_extra or {})}, **kw)

    run.backend = request.param
    return run


def stored(cli, service="svc") -> dict[str, str]:
    return json.loads(cli("export", service, check=True).stdout)


def test_export_edit_import_exec_keeps_the_edit(cli, tmp_path):
    cli("import", "svc", "-", input=json.dumps(SECRETS), check=True)
    f = tmp_path / ".env"
    cli("export", "-f", "dotenv", "-o", str(f), "svc", check=True)
    text = f.read_text()
    assert 'DB_PASSWORD="old-pw"\n' in text
    f.write_text(text.replace('DB_PASSWORD="old-pw"', 'DB_PASSWORD="new-pw"')
                 .replace('DB_HOST="db.internal"', 'DB_HOST="db2.internal"') + 'NEW_KEY="fresh"\n')
    r = cli("import", "svc", str(f), check=True)
    assert r.stdout == f"Successfully imported {len(SECRETS) + 1} secrets\n" and r.stderr == ""
    want = {**SECRETS, "db_password": "new-pw", "db-host": "db2.internal", "new_key": "fresh"}
    assert stored(cli) == want  # the same keys, edited; the new name in chamber's lower case
    r = cli("exec", "svc", "--", "sh", "-c", 'printf "%s|%s|%s" "$DB_PASSWORD" "$DB_HOST" "$NEW_KEY"',
            check=True)
    assert (r.stdout, r.stderr) == ("new-pw|db2.internal|fresh", "")
    # and once more: export gives the edited values, import of it changes nothing
    cli("export", "-f", "dotenv", "-o", str(f), "svc", check=True)
    cli("import", "svc", str(f), check=True)
    assert stored(cli) == want
    # edit (sed as the editor) changes one value, in place
    r = cli("edit", "svc", env_extra={"EDITOR": "sed -i s/new-pw/edited-pw/", "VISUAL": None}, check=True)
    assert r.stdout == "Updated svc: 0 added, 1 changed, 0 deleted\n"
    assert stored(cli) == {**want, "db_password": "edited-pw"}
    r = cli("exec", "svc", "--", "sh", "-c", 'printf "%s" "$DB_PASSWORD"', check=True)
    assert (r.stdout, r.stderr) == ("edited-pw", "")
    assert cli("export", "-f", "dotenv", "svc", check=True).stderr == ""  # no name shared by two keys


def test_a_name_that_could_be_two_keys_is_refused(cli, tmp_path):
    cli("import", "svc", "-", input=json.dumps({"db.host": "a", "db_host": "b", "DB_PORT": "1",
                                                "db_port": "2"}), check=True)
    f = tmp_path / "x.env"
    for text, line, msg in [
        ("OK=1\nDB_HOST=x\n", 2, "DB_HOST could be any of the stored keys db.host, db_host"),
        ("DB_PORT=x\n", 1, "DB_PORT could be any of the stored keys DB_PORT, db_port"),
        ("db_port=x\n", 1, "db_port could be any of the stored keys DB_PORT, db_port"),
    ]:
        f.write_text(text)
        r = cli("import", "svc", str(f))
        assert r.returncode == 1
        assert r.stderr.startswith(f"Error: Failed to decode input as dotenv: line {line}: {msg}: ")
        assert r.stderr.count("\n") == 1
    # a stored key's own name is that key, unless another differs from it only in case (which
    # exec would give the same variable)
    f.write_text("db.host=x\n")
    cli("import", "svc", str(f), check=True)
    assert stored(cli) == {"db.host": "x", "db_host": "b", "DB_PORT": "1", "db_port": "2"}
    assert "ok" not in stored(cli)


def test_two_names_for_one_key_are_refused(cli, tmp_path):
    cli("write", "svc", "db_host", "a", check=True)
    f = tmp_path / "x.env"
    f.write_text("DB_HOST=x\n\ndb_host=y\n")
    r = cli("import", "svc", str(f))
    assert r.returncode == 1
    assert r.stderr == ("Error: Failed to decode input as dotenv: line 3: db_host and DB_HOST (line 1) "
                        "both set the key db_host\n")
    assert stored(cli) == {"db_host": "a"}


def test_json_and_yaml_import_keep_keys_as_written(cli):
    cli("write", "svc", "db_password", "a", check=True)
    cli("import", "svc", "-", input='{"DB_PASSWORD": "b"}', check=True)
    assert stored(cli) == {"DB_PASSWORD": "b", "db_password": "a"}  # chamber's behaviour


def test_export_warns_when_keys_share_a_variable_name(cli):
    cli("import", "svc", "-", input=json.dumps({"db-host": "1", "db.host": "2", "db_host": "3"}), check=True)
    r = cli("export", "-f", "dotenv", "svc", check=True)
    assert r.stdout == 'DB_HOST="1"\nDB_HOST="2"\nDB_HOST="3"\n'  # chamber's lines, all of them
    assert r.stderr == ("warning: parameters db-host, db.host and db_host are all exported as DB_HOST; "
                        "readers keep the last (db_host)\n")
    assert cli("export", "-f", "json", "svc", check=True).stderr == ""
