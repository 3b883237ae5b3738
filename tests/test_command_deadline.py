"""One PYCHAMBER_TIMEOUT deadline per command, opened in one place (issue 18 item 6):
``aws.command_deadline``. No other module creates one (there were 11 places in 5 modules)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pychamber import aws
from pychamber.settings import Settings

SRC = Path(__file__).resolve().parents[1] / "src" / "pychamber"


def test_no_module_but_aws_opens_a_deadline():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "aws.py" and path.parent == SRC:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in ("new_deadline", "Deadline"):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not found, found


def test_command_deadline_kinds():
    s = Settings(environ={"PYCHAMBER_TIMEOUT": "7"})
    with aws.command_deadline(s, "read") as outer:
        assert outer is not None and outer.seconds == 7 and aws.current_deadline() is outer
        with aws.command_deadline(Settings(environ={"PYCHAMBER_TIMEOUT": "1"}), "read") as inner:
            assert inner is outer  # the command's, already in force, wins
    assert aws.current_deadline() is None
    with aws.command_deadline(s, "write") as none:  # each AWS call gets its own
        assert none is None and aws.current_deadline() is None
    with aws.command_deadline(Settings(environ={"PYCHAMBER_TIMEOUT": "0"}), "read") as off:
        assert off is None
    with pytest.raises(ValueError):
        with aws.command_deadline(s, "sometimes"):
            pass
