"""Shell completion scripts: generated from the command tree, kept current in completions/."""

import subprocess
from pathlib import Path

import pytest

from conftest import invoke

ROOT = Path(__file__).resolve().parents[2]


def generate(shell):
    p = invoke(["completion", shell], {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completions_dir_is_current(shell):
    assert (ROOT / "completions" / f"pychamber.{shell}").read_text() == generate(shell)


@pytest.mark.parametrize("words,want", [
    (["pychamber", "wr"], ["write"]),
    (["pychamber", "-b", "local", "li"], ["list", "list-services"]),
    (["pychamber", "write", "svc", "--sk"], ["--skip-unchanged"]),
    (["pychamber", "tag", "w"], ["write"]),
    (["pychamber", "tag", "write", "s", "k", "--del"], ["--delete-other-tags"]),
    (["pychamber", "exec", "svc", "--", "ls"], []),
])
def test_bash_completion(words, want):
    script = ROOT / "completions" / "pychamber.bash"
    arr = " ".join(f"'{w}'" for w in words)
    out = subprocess.run(["bash", "-c", f'source "{script}"; COMP_WORDS=({arr}); COMP_CWORD={len(words) - 1}; '
                          '_pychamber; printf "%s\\n" "${COMPREPLY[@]}"'], capture_output=True, text=True)
    assert out.stdout.split() == want


def test_unknown_shell():
    p = invoke(["completion", "tcsh"], {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}, text=True)
    assert (p.returncode, p.stderr) == (1, "Error: unsupported shell 'tcsh': use one of bash, zsh, fish\n")
