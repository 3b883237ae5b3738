"""cobra's and pflag's texts, as chamber prints them: the ``Error:`` line, the usage block cobra
appends to argument errors, the unknown-command message, and pflag's flag errors. The CLI
framework (click, under typer) raises its own exceptions; ``cli.errors`` maps them onto these."""

from __future__ import annotations

from pychamber.errors import ChamberError


def error_block(message: str, usage: str | None, command: str | None, prog: str) -> str:
    """``Error: <message>``, plus the usage block when the message contains ``arg(s)`` or
    ``usage`` (cobra's rule for chamber's commands)."""
    text = f"Error: {message}\n"
    if "arg(s)" in message or "usage" in message:
        if usage:
            text += f"Usage:\n  {prog} {usage} [flags]\n\nRun '{prog} {command} --help' for details.\n"
        else:
            text += f"Usage:\n  {prog} [command]\n\nRun '{prog} --help' for usage.\n"
    return text


def unknown_command(name: str, prog: str) -> str:
    return f'Error: unknown command "{name}" for "{prog}"\nRun \'{prog} --help\' for usage.\n'


def unknown_flag(opt: str) -> str:
    """pflag: ``unknown flag: --x`` / ``unknown shorthand flag: 'x' in -x``."""
    if opt.startswith("--"):
        return f"unknown flag: {opt}"
    return f"unknown shorthand flag: '{opt[1:2]}' in {opt}"


def flag_needs_argument(opt: str) -> str:
    if opt.startswith("--"):
        return f"flag needs an argument: {opt}"
    return f"flag needs an argument: '{opt[1:2]}' in {opt}"


def invalid_int(value: str, spellings: list[str]) -> str:
    """pflag's message for an integer flag given a non-integer."""
    flags = ", ".join(sorted(spellings, key=len))
    return (f'invalid argument "{value}" for "{flags}" flag: strconv.ParseInt: '
            f'parsing "{value}": invalid syntax')


def unknown_help_topic(name: str) -> str:
    return f'Unknown help topic "{name}"\n'


def string_to_string(values: list[str], flag: str) -> dict[str, str]:
    """pflag's ``stringToString`` flag: repeated ``k=v[,k=v...]`` values (CSV when a value holds
    several pairs) into one map; errors in pflag's words, ``flag`` as ``"-t, --tags"``."""
    import csv

    out: dict[str, str] = {}
    for val in values:
        n = val.count("=")
        if n == 0:
            raise ChamberError(
                f'invalid argument "{val}" for "{flag}" flag: {val} must be formatted as key=value')
        if n == 1:
            items = [val.strip('"')]
        else:
            try:
                items = next(csv.reader([val], strict=True))
            except (csv.Error, StopIteration) as e:
                raise ChamberError(f'invalid argument "{val}" for "{flag}" flag: {e}') from None
        for pair in items:
            if "=" not in pair:
                raise ChamberError(
                    f'invalid argument "{val}" for "{flag}" flag: {pair} must be formatted as key=value')
            k, v = pair.split("=", 1)
            out[k] = v
    return out
