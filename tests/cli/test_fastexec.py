"""The typer-free command line (cli.fastexec): exec's split at ``--`` and the fast parser."""

from __future__ import annotations

import pytest

from pychamber.cli import fastexec


# --- the command line split ------------------------------------------------------------------
@pytest.mark.parametrize("raw_argv,args,want", [
    (["exec", "a", "b", "--", "cmd", "x"], ["a", "b", "cmd", "x"], (["a", "b"], ["cmd", "x"])),
    (["exec", "a", "--", "cmd", "--", "y"], ["a", "cmd", "--", "y"], (["a"], ["cmd", "--", "y"])),
    (["exec", "a", "--", "cmd", "--pristine"], ["a", "cmd", "--pristine"], (["a"], ["cmd", "--pristine"])),
    (["--verbose", "-b", "ssm", "exec", "--pristine", "a", "--", "c"], ["a", "c"], (["a"], ["c"])),
    (["exec", "a", "--verbose", "-r", "3", "--strict", "--", "c"], ["a", "c"], (["a"], ["c"])),
    (["exec", "--strict-value", "--", "a", "--", "c"], ["a", "c"], (["a"], ["c"])),
    (["exec", "--strict-value=v", "a", "--", "c"], ["a", "c"], (["a"], ["c"])),
    (["exec", "--", "c"], ["c"], ([], ["c"])),
    (["exec", "a", "--"], ["a"], (["a"], [])),
    (["exec", "a", "b"], ["a", "b"], None),
    (["-b", "null", "exec", "a", "--", "c"], ["a", "c"], (["a"], ["c"])),
])
def test_split_command_line(raw_argv, args, want):
    assert fastexec.split_command_line(raw_argv, args) == want


# --- the typer-free fast path's parser -------------------------------------------------------
@pytest.mark.parametrize("argv,want", [
    (["exec", "a", "--", "c"], ({}, {}, ["a"], ["c"])),
    (["--verbose", "-b", "ssm", "exec", "--pristine", "a", "b", "--strict", "--", "c", "--x"],
     ({"verbose": True, "backend_flag": "ssm"}, {"pristine": True, "strict": True}, ["a", "b"],
      ["c", "--x"])),
    (["-bnull", "exec", "a", "-r", "3", "--strict-value=v", "--dry-run", "--", "c"],
     ({"backend_flag": "null", "retries_flag": 3}, {"strict_value": "v", "dry_run": True}, ["a"],
      ["c"])),
    (["exec", "--strict-value", "--", "a", "--", "c"], ({}, {"strict_value": "--"}, ["a"], ["c"])),
    (["--retry-mode", "adaptive", "exec", "a", "--", "c"],
     ({"retry_mode": "adaptive"}, {}, ["a"], ["c"])),
])
def test_parse_fast(argv, want):
    assert fastexec.parse(argv) == want


@pytest.mark.parametrize("argv", [
    [], ["exec"], ["exec", "a", "c"], ["exec", "--", "c"], ["exec", "a", "--"], ["list", "a"],
    ["exec", "-h"], ["exec", "--help", "a", "--", "c"], ["exec", "--nope", "a", "--", "c"],
    ["exec", "a", "-r", "x", "--", "c"], ["--pristine", "exec", "a", "--", "c"],
    ["--min-throttle-delay", "1s", "exec", "a", "--", "c"], ["exec", "--verbose=true", "a", "--", "c"],
    ["-b"], ["version"],
])
def test_parse_fast_defers_everything_else(argv):
    assert fastexec.parse(argv) is None
