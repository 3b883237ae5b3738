"""pychamber edit (issue 20, item 2), on the local store and on SSM (moto's server), with
scripted editors (a small Python program as $EDITOR that logs what it saw and edits the file as
told) and, for the terminal, pexpect: only what changed is written, a concurrent change writes
nothing and names the key, deletions are confirmed or refused, a failing editor, an unparsable
file and Ctrl-C write nothing, and the private directory is gone afterwards whatever happened."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PYCHAMBER, invoke, wait_for

LOCAL_KEY = base64.b64encode(b"e" * 32).decode()
SEED = {"db_password": "old", "gone": "bye", "keep": "multi\nline $HOME `x` it's", "other": "o"}

EDITOR = r'''
import json, os, re, stat, subprocess, sys, time
path = sys.argv[1]
log = os.environ["EDIT_LOG"]
d = os.path.dirname(path)
entry = {"path": path, "dir": d, "dir_mode": stat.S_IMODE(os.stat(d).st_mode),
         "file_mode": stat.S_IMODE(os.stat(path).st_mode), "text": open(path, encoding="utf-8").read()}
with open(log, "a") as f:
    f.write(json.dumps(entry) + "\n")
plan = json.loads(os.environ["EDIT_PLAN"])
with open(log) as f:
    n = sum(1 for _ in f)
step = plan[min(n, len(plan)) - 1]
if step.get("run"):
    subprocess.run(step["run"], check=True)
time.sleep(step.get("sleep", 0))
text = entry["text"]
for old, new in step.get("replace", []):
    assert old in text, (old, text)
    text = text.replace(old, new)
for key in step.get("delete", []):
    text = re.sub(r"(?m)^" + re.escape(key) + r"=.*\n", "", text)
text += step.get("append", "")
if "write" in step:
    text = step["write"]
with open(path, "w", encoding="utf-8") as f:
    f.write(text)
sys.exit(step.get("exit", 0))
'''


@pytest.fixture(params=["local", "ssm"])
def edit_env(request, aws_env, tmp_path):
    env = dict(aws_env)
    if request.param == "local":
        env.update({"CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_PATH": str(tmp_path / "db" / "s.db"),
                    "PYCHAMBER_LOCAL_KEY": LOCAL_KEY})
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR)
    env["EDITOR"] = f"{sys.executable} {editor}"
    env["EDIT_LOG"] = str(tmp_path / "editor.log")
    env["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    env.pop("VISUAL", None)
    env["BACKEND"] = request.param
    cli(env, "import", "svc", "-", input=json.dumps(SEED))
    return env


def cli(env, *args, input=None) -> str:
    """A command other than edit, in this process (quicker than a new interpreter)."""
    p = invoke(args, env, input, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


def run(env, *args, input=None, plan=None, check=True):
    e = dict(env)
    if plan is not None:
        e["EDIT_PLAN"] = json.dumps(plan)
    p = subprocess.run([*PYCHAMBER, *args], input=(input or "").encode(), capture_output=True, env=e,
                       timeout=120)
    out = subprocess.CompletedProcess(p.args, p.returncode, p.stdout.decode(), p.stderr.decode())
    if check:
        assert p.returncode == 0, out.stderr
    return out


def stored(env) -> dict[str, str]:
    return json.loads(cli(env, "export", "svc"))


def versions(env) -> dict[str, str]:
    lines = cli(env, "list", "svc").splitlines()[1:]
    return {line.split("\t")[0]: line.split("\t")[1] for line in lines}


def editor_log(env) -> list[dict]:
    path = Path(env["EDIT_LOG"])
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def log_text(env) -> str:
    return "".join(entry["text"] for entry in editor_log(env))


def assert_cleaned(env) -> None:
    for entry in editor_log(env):
        assert not os.path.exists(entry["dir"]), entry["dir"]
    assert os.listdir(env["TMPDIR"]) == []


def test_applies_only_what_changed(edit_env):
    before = versions(edit_env)
    r = run(edit_env, "edit", "svc", "--yes", plan=[{
        "replace": [('db_password="old"', "db_password='new $x'")], "delete": ["gone"],
        "append": 'NEW_KEY="fresh"\n'}])
    assert r.stdout == "Updated svc: 1 added, 1 changed, 1 deleted\n"
    assert stored(edit_env) == {"db_password": "new $x", "keep": SEED["keep"], "other": "o", "new_key": "fresh"}
    after = versions(edit_env)
    assert after["keep"] == before["keep"] and after["other"] == before["other"]  # not written again
    assert int(after["db_password"]) == int(before["db_password"]) + 1  # one write
    (entry,) = editor_log(edit_env)
    assert entry["dir_mode"] == 0o700 and entry["file_mode"] == 0o600
    assert entry["path"].startswith(edit_env["TMPDIR"])
    assert 'keep="multi\\nline \\$HOME \\`x\\` it\'s"\n' in entry["text"]  # every key by its stored name
    assert_cleaned(edit_env)


def test_no_change_writes_nothing(edit_env):
    before = versions(edit_env)
    r = run(edit_env, "edit", "svc", plan=[{}])
    assert (r.stdout, r.stderr) == ("", "No changes to svc.\n")
    assert versions(edit_env) == before
    assert_cleaned(edit_env)


def test_concurrent_change_writes_nothing_and_names_the_key(edit_env):
    writer = [*PYCHAMBER, "write", "svc", "other", "changed meanwhile"]
    r = run(edit_env, "edit", "svc", check=False, plan=[{
        "run": writer, "replace": [('db_password="old"', 'db_password="mine"')]}])
    assert (r.returncode, r.stderr) == (1, "Error: svc changed in the store while it was being edited (other); "
                                           "nothing was written: run edit again\n")
    assert stored(edit_env) == {**SEED, "other": "changed meanwhile"}
    assert_cleaned(edit_env)


def test_deletion_off_a_terminal_needs_yes(edit_env):
    r = run(edit_env, "edit", "svc", check=False, plan=[{"delete": ["gone", "other"]}])
    assert (r.returncode, r.stderr) == (1, "Error: the edit deletes 2 secret(s) of svc (gone, other): confirm on "
                                           "a terminal, or pass --yes; nothing was written\n")
    assert stored(edit_env) == SEED
    r = run(edit_env, "edit", "svc", "-y", plan=[{"delete": ["gone", "other"]}])
    assert r.stdout == "Updated svc: 0 added, 0 changed, 2 deleted\n"
    assert stored(edit_env) == {"db_password": "old", "keep": SEED["keep"]}
    assert_cleaned(edit_env)


def test_editor_exiting_non_zero_writes_nothing(edit_env):
    r = run(edit_env, "edit", "svc", check=False, plan=[{"replace": [('"old"', '"new"')], "exit": 3}])
    assert (r.returncode, r.stderr) == (1, "Error: the editor exited with status 3; nothing was written\n")
    assert stored(edit_env) == SEED
    assert_cleaned(edit_env)


def test_unparsable_file_off_a_terminal_is_one_line(edit_env):
    r = run(edit_env, "edit", "svc", check=False, plan=[{"append": "-----BEGIN PRIVATE KEY-----\nMIIsecret\n"}])
    assert r.returncode == 1
    assert r.stderr.startswith("Error: Failed to decode input as dotenv: line ") and r.stderr.count("\n") == 1
    assert "MIIsecret" not in r.stderr and "BEGIN" not in r.stderr
    assert r.stderr.endswith("; nothing was written\n")
    assert stored(edit_env) == SEED
    assert_cleaned(edit_env)


def test_a_value_the_store_refuses_is_refused_before_writing(edit_env):
    if edit_env["BACKEND"] != "ssm":
        pytest.skip("Parameter Store's 4 KB limit")
    r = run(edit_env, "edit", "svc", check=False, plan=[{
        "replace": [('db_password="old"', 'db_password="new"')], "append": f'big="{"x" * 5000}"\n'}])
    assert r.returncode == 1 and "key 'big': the value is 5000 bytes" in r.stderr
    assert stored(edit_env) == SEED


def test_sigterm_removes_the_directory(edit_env):
    e = {**edit_env, "EDIT_PLAN": json.dumps([{"sleep": 60}])}
    proc = subprocess.Popen([*PYCHAMBER, "edit", "svc"], env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: editor_log(edit_env), timeout=60)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (proc.returncode, err.decode()) == (1, "Error: edit stopped by SIGTERM; nothing was written\n")
    assert_cleaned(edit_env)
    assert stored(edit_env) == SEED


# --- on a terminal (pexpect) -----------------------------------------------------------------------
def spawn_edit(edit_env, plan, *args):
    pexpect = pytest.importorskip("pexpect")
    env = {**edit_env, "EDIT_PLAN": json.dumps(plan)}
    return pexpect.spawn(PYCHAMBER[0], [*PYCHAMBER[1:], "edit", "svc", *args], env=env, timeout=60,
                         encoding="utf-8")


def test_terminal_reopens_the_editor_and_confirms_deletions(edit_env):
    pexpect = pytest.importorskip("pexpect")
    child = spawn_edit(edit_env, [
        {"append": "not a line\n"},  # first save: unparsable
        {"replace": [("not a line\n", ""), ('db_password="old"', 'db_password="fixed"')], "delete": ["gone"]},
    ])
    child.expect_exact("Error: Failed to decode input as dotenv: line ")
    child.expect_exact("Press Enter to edit the file again (Ctrl-C gives up, writing nothing): ")
    child.sendline("")
    child.expect_exact("Delete 1 secret(s) of svc: gone? [y/N] ")
    child.sendline("y")
    child.expect_exact("Updated svc: 0 added, 1 changed, 1 deleted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert len(editor_log(edit_env)) == 2
    assert stored(edit_env) == {"db_password": "fixed", "keep": SEED["keep"], "other": "o"}
    assert_cleaned(edit_env)


def test_terminal_deletion_not_confirmed_writes_nothing(edit_env):
    pexpect = pytest.importorskip("pexpect")
    child = spawn_edit(edit_env, [{"replace": [('"old"', '"new"')], "delete": ["gone"]}])
    child.expect_exact("Delete 1 secret(s) of svc: gone? [y/N] ")
    child.sendline("n")
    child.expect_exact("the deletions were not confirmed; nothing was written")  # after a red "Error:"
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert stored(edit_env) == SEED
    assert_cleaned(edit_env)


def test_ctrl_c_in_the_editor_writes_nothing(edit_env):
    pexpect = pytest.importorskip("pexpect")
    child = spawn_edit(edit_env, [{"replace": [('"old"', '"new"')], "sleep": 60}])
    assert wait_for(lambda: editor_log(edit_env), timeout=60)
    time.sleep(0.2)
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130, (child.exitstatus, child.signalstatus)
    assert stored(edit_env) == SEED
    assert_cleaned(edit_env)


def test_ctrl_c_at_the_question_writes_nothing(edit_env):
    pexpect = pytest.importorskip("pexpect")
    child = spawn_edit(edit_env, [{"delete": ["gone"]}])
    child.expect_exact("[y/N] ")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert stored(edit_env) == SEED
    assert_cleaned(edit_env)


# --- the other backends --------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["secretsmanager", "s3"])
def test_other_backends(backend, aws_env, aws_client, tmp_path):
    env = dict(aws_env)
    env["CHAMBER_SECRET_BACKEND"] = backend
    if backend == "s3":
        aws_client("s3").create_bucket(Bucket="edit-bucket")
        env["CHAMBER_S3_BUCKET"] = "edit-bucket"
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR)
    env.update({"EDITOR": f"{sys.executable} {editor}", "EDIT_LOG": str(tmp_path / "editor.log"),
                "TMPDIR": str(tmp_path / "tmp")})
    (tmp_path / "tmp").mkdir()
    cli(env, "import", "svc", "-", input=json.dumps(SEED))
    r = run(env, "edit", "svc", "--yes", plan=[{
        "replace": [('db_password="old"', 'db_password="new"')], "delete": ["gone"], "append": "added=1\n"}])
    assert r.stdout == "Updated svc: 1 added, 1 changed, 1 deleted\n"
    assert log_text(env).count("_chamber") == 0  # Secrets Manager's metadata entry is not a secret
    got = {k: v for k, v in stored(env).items() if k != "_chamber_metadata"}
    assert got == {"db_password": "new", "keep": SEED["keep"], "other": "o", "added": "1"}
    writer = [*PYCHAMBER, "write", "svc", "other", "changed meanwhile"]
    r = run(env, "edit", "svc", check=False,
            plan=[{"run": writer, "replace": [('db_password="new"', 'db_password="x"')]}])
    assert r.returncode == 1 and "svc changed in the store while it was being edited" in r.stderr
    assert stored(env)["db_password"] == "new"
    assert_cleaned(env)


def test_no_editor_off_a_terminal_is_one_line(edit_env):
    env = {k: v for k, v in edit_env.items() if k not in ("EDITOR", "VISUAL")}
    r = run(env, "edit", "svc", check=False)
    assert (r.returncode, r.stderr) == (1, "Error: no editor: set VISUAL or EDITOR\n")


def test_editor_choice():
    from pychamber.edit import editor_command

    assert editor_command({"VISUAL": "code --wait", "EDITOR": "nano"}, True) == "code --wait"
    assert editor_command({"VISUAL": " ", "EDITOR": "nano"}, False) == "nano"
    assert editor_command({}, True) == "vi"


def test_sigterm_while_writing_never_says_nothing_was_written(tmp_path):
    """SIGTERM between two of the edit's deletions: before, 'nothing was written' though the
    change and the first deletion were."""
    from pychamber.edit import edit_service
    from pychamber.errors import ChamberError
    from pychamber.model import SecretId
    from pychamber.stores.local.store import LocalStore

    class Stopped(LocalStore):
        def delete(self, id: SecretId) -> None:
            super().delete(id)
            os.kill(os.getpid(), signal.SIGTERM)  # the handler raises at the next bytecode
            time.sleep(5)

    store = Stopped(str(tmp_path / "s.db"), {"PYCHAMBER_LOCAL_KEY": LOCAL_KEY, "USER": "t"})
    for key, value in (("a", "1"), ("b", "2"), ("c", "3")):
        store.write(SecretId("svc", key), value)
    editor = tmp_path / "ed.sh"
    editor.write_text('#!/bin/sh\nprintf \'a="changed"\\n\' > "$1"\n')
    editor.chmod(0o755)
    with pytest.raises(ChamberError) as e:
        edit_service(store, "svc", editor=str(editor), interactive=False, yes=True,
                     ask=lambda q: "", say=lambda t: None, tmpdir=str(tmp_path))
    assert "nothing was written" not in e.value.message
    assert e.value.message.startswith("edit stopped by SIGTERM while writing the changes")
    assert store.read(SecretId("svc", "a")).value == "changed"  # it was written
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("pychamber-edit-")] == []
