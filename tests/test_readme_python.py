"""The README's "Use from Python" examples, run as written (sqlite-utils' habit): the blocks
in order in one namespace, on a fresh local store; a block that defines tests is run by pytest
in a subprocess, with the plugin pychamber installs."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]


def blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Use from Python", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_section_has_the_examples():
    found = blocks()
    assert len(found) >= 4
    joined = "".join(found)
    for name in ("pychamber.env(", "pychamber.load_env(", "pychamber.open_store(", "ChamberError",
                 "ChamberSettingsSource", "chamber_store", "chamber_env"):
        assert name in joined, name


def test_examples_run_as_written(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith(("CHAMBER_", "PYCHAMBER_", "AWS_")) or name in ("DB_PASSWORD", "LOG_LEVEL", "PORT"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CHAMBER_SECRET_BACKEND", "local")
    monkeypatch.setenv("PYCHAMBER_LOCAL_PATH", str(tmp_path / "secrets.db"))
    monkeypatch.setenv("PYCHAMBER_LOCAL_KEY", base64.b64encode(os.urandom(32)).decode())
    namespace: dict = {"__name__": "readme"}
    tests = []
    for i, code in enumerate(blocks()):
        if re.search(r"^def test_", code, re.M):
            tests.append(code)
            continue
        exec(compile(code, f"README.md block {i + 1}", "exec", dont_inherit=True), namespace)  # noqa: S102
    assert tests
    for i, code in enumerate(tests):
        path = tmp_path / f"test_readme_{i}.py"
        path.write_text(code)
        out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)],
                             capture_output=True, text=True, timeout=120, cwd=tmp_path,
                             env={k: v for k, v in os.environ.items()
                                  if not k.startswith(("CHAMBER_", "PYCHAMBER_"))})
        assert out.returncode == 0, out.stdout + out.stderr
        assert "1 passed" in out.stdout
