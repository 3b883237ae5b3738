"""The process entry point (console script and ``python -m pychamber``).

``exec`` is the hot path of every container start, so a plain ``exec`` command line is run by
``execution.fast_main`` without importing the CLI framework; everything else (and any exec
line the fast parser does not take: help, unknown flags) goes to the typer app.
"""

import sys


def main(argv=None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if "exec" in args:
        from pychamber.execution import fast_main

        rv = fast_main(args)
        if rv is not None:
            sys.exit(rv)
    from pychamber.cli.app import main as cli_main

    cli_main(args)
