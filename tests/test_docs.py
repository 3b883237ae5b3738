"""The README is tested against --help (sqlite-utils' habit): every command documented, and
every documented command real."""

import re
from pathlib import Path

from conftest import invoke

ROOT = Path(__file__).resolve().parents[1]


def help_commands():
    out = invoke(["--help"], {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}, text=True).stdout
    section = out.split("Available Commands:\n", 1)[1].split("\n\n", 1)[0]
    return {line.split()[0] for line in section.splitlines() if line.startswith("  ") and line.split()}


def readme_commands():
    text = (ROOT / "README.md").read_text()
    return {m.group(1) for m in re.finditer(r"^\| `([a-z-]+)[ `]", text, re.M)} - {
        "CHAMBER", "PYCHAMBER"}


def test_readme_documents_every_command():
    assert help_commands() == readme_commands()


def test_readme_starts_with_the_two_fresh_machine_commands():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    assert "pychamber" in blocks[0] and "exec" in blocks[0]
    assert blocks[1].strip() == "bash .ci/run"
    assert "pytest" in (ROOT / ".ci" / "run").read_text()
