"""Run a Dockerfile's steps as shell, without a docker engine: WORKDIR and COPY on a directory
standing for the image's root, each RUN with ``bash -e`` in the WORKDIR, with a virtualenv's
``bin`` first on PATH (its ``pip`` and ``python`` stand for the image's). ENTRYPOINT and CMD
are checked as exec-form JSON. What it cannot check: FROM (the base image), USER, and anything
of docker's own.

    python scripts/dockerfile_run.py Dockerfile VENV ROOT
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def run(dockerfile: Path, venv: Path, root: Path) -> None:
    context = dockerfile.parent
    workdir = "/"
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
           "VIRTUAL_ENV": str(venv)}
    env.pop("PYTHONPATH", None)
    for word, args in instructions(dockerfile.read_text()):
        here = root / workdir.lstrip("/")
        if word == "WORKDIR":
            workdir = args if args.startswith("/") else os.path.join(workdir, args)
            (root / workdir.lstrip("/")).mkdir(parents=True, exist_ok=True)
        elif word == "COPY":
            *sources, dest = shlex.split(args)
            if any(s.startswith("--") for s in sources):
                raise SystemExit(f"COPY {args}: options are not emulated")
            target = Path(dest) if dest.startswith("/") else Path(workdir) / dest
            target = root / str(target).lstrip("/")
            for source in sources:
                src = context / source
                if not src.exists():
                    raise SystemExit(f"COPY {source}: not in the build context")
                if src.is_dir():
                    shutil.copytree(src, target, dirs_exist_ok=True,
                                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
                else:
                    into = target / src.name if dest.endswith("/") or len(sources) > 1 else target
                    into.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, into)
        elif word == "RUN":
            print(f"+ RUN {args}", flush=True)
            subprocess.run(["bash", "-ec", args], cwd=here, env=env, check=True)
        elif word in ("ENTRYPOINT", "CMD"):
            value = json.loads(args)
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise SystemExit(f"{word} {args}: not exec form")
        elif word not in ("FROM", "ENV", "ARG", "LABEL", "USER", "EXPOSE"):
            raise SystemExit(f"{word}: not emulated")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    run(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve(), Path(sys.argv[3]).resolve())
