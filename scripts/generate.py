"""Rewrite what is generated from the CLI: the shell completion scripts in completions/ and the
README's command table. tests/cli/test_completion.py fails until this is run after a change to
the commands or their flags:

    python scripts/generate.py
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pychamber.cli.completion import FILES, readme_with_reference, script  # noqa: E402


def main() -> None:
    for shell, name in FILES.items():
        (ROOT / "completions" / name).write_text(script(shell))
    readme = ROOT / "README.md"
    readme.write_text(readme_with_reference(readme.read_text()))


if __name__ == "__main__":
    main()
