"""The real programs that read pychamber's exports, driven from the tests: python-dotenv (with
and without interpolation), docker compose's parser (compose-go, ported in compose_dotenv.py),
``set -a; . FILE`` in dash and bash, python-hcl2 plus HCL's own string rules for tfvars,
javaproperties and jproperties, and Java's ``java.util.Properties.load`` itself when ``java`` is
on the machine. Each returns what the reader makes of the file: {name: value}."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from formats import compose_dotenv

#: What the environment holds while python-dotenv interpolates (a ${NAME} reference would read it).
READER_ENV = {"HOME": "/home/reader", "X": "from-env", "USER": "reader"}


# --- dotenv ------------------------------------------------------------------------------------
def python_dotenv(path: Path, interpolate: bool) -> dict[str, str]:
    dotenv = pytest.importorskip("dotenv")
    saved = dict(os.environ)
    os.environ.update(READER_ENV)
    try:
        values = dotenv.dotenv_values(path, interpolate=interpolate)  # a file: opened in text mode
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {k: v for k, v in values.items() if v is not None}


def compose(path: Path) -> dict[str, str]:
    return compose_dotenv.parse(path.read_bytes().decode("utf-8"), READER_ENV.get)


SHELLS = [s for s in ("dash", "bash") if shutil.which(s)]


def posix_shell(path: Path, shell: str) -> dict[str, str]:
    """``set -a; . FILE`` in ``shell``, then the environment it exports (``env -0``)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", **READER_ENV}
    p = subprocess.run([shell, "-c", 'set -a; . "$1" || exit 99; exec env -0', shell, str(path)],
                       capture_output=True, env=env, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"{shell}: exit {p.returncode}: {p.stderr.decode(errors='replace')}")
    out = {}
    for item in p.stdout.split(b"\0"):
        if b"=" in item:
            k, _, v = item.partition(b"=")
            out[k.decode()] = v.decode("utf-8", "surrogateescape")
    return out


def dotenv_readers() -> list[tuple[str, object]]:
    """(reader name, function of the path) for every dotenv reader on this machine."""
    readers: list[tuple[str, object]] = [
        ("python-dotenv", lambda p: python_dotenv(p, True)),
        ("python-dotenv interpolate=False", lambda p: python_dotenv(p, False)),
        ("compose", compose),
    ]
    readers += [(f"{s}: set -a; .", lambda p, s=s: posix_shell(p, s)) for s in SHELLS]
    return readers


# --- tfvars: python-hcl2 for the file, HCL's quoted-template rules for each string ---------------
_HCL_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


class HCLError(Exception):
    pass


def hcl_string(quoted: str) -> str:
    """A quoted HCL template's value as Terraform reads it, strictly: the escapes HCL has
    (``\\n \\r \\t \\" \\\\ \\uNNNN \\UNNNNNNNN``; any other is an error, as in Terraform), ``$${``
    and ``%%{`` for a literal ``${`` and ``%{``; a bare ``${`` or ``%{`` is a template, which a
    .tfvars file may not hold."""
    assert quoted[0] == '"' and quoted[-1] == '"', quoted
    s, out, i = quoted[1:-1], [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            m = s[i + 1:i + 2]
            if m in _HCL_ESCAPES:
                out.append(_HCL_ESCAPES[m])
                i += 2
            elif m in ("u", "U"):
                width = 4 if m == "u" else 8
                digits = s[i + 2:i + 2 + width]
                if not re.fullmatch(r"[0-9A-Fa-f]{%d}" % width, digits):
                    raise HCLError("invalid unicode escape")
                out.append(chr(int(digits, 16)))
                i += 2 + width
            else:
                raise HCLError(f"invalid escape sequence \\{m}")
        elif s.startswith("$${", i) or s.startswith("%%{", i):
            out.append(s[i + 1:i + 3])
            i += 3
        elif s.startswith("${", i) or s.startswith("%{", i):
            raise HCLError("a template sequence in a variables file")
        elif c in "\n\r":
            raise HCLError("a line break in a quoted string")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def tfvars(path: Path) -> dict[str, str]:
    hcl2 = pytest.importorskip("hcl2")
    raw = hcl2.loads(path.read_text(encoding="utf-8"))  # the file's grammar, names included
    return {k: hcl_string(v) for k, v in raw.items() if not k.startswith("__")}


# --- java-properties ---------------------------------------------------------------------------
def javaproperties_reader(path: Path, encoding: str) -> dict[str, str]:
    javaproperties = pytest.importorskip("javaproperties")
    return javaproperties.loads(path.read_bytes().decode(encoding))


def jproperties_reader(path: Path, encoding: str) -> dict[str, str]:
    jproperties = pytest.importorskip("jproperties")
    p = jproperties.Properties()
    p.load(io.BytesIO(path.read_bytes()), encoding)
    return {k: v.data for k, v in p.items()}


JAVA = shutil.which("java")
JAVA_SOURCE = r"""
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class Dump {
    // Each file, loaded both ways; every key and value printed as UTF-16 code units in hex
    public static void main(String[] args) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String file : args) {
            for (String mode : new String[] {"iso", "utf8"}) {
                Properties p = new Properties();
                try (InputStream in = new FileInputStream(file)) {
                    if (mode.equals("utf8")) p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
                    else p.load(in);
                }
                out.append("== ").append(file).append(' ').append(mode).append('\n');
                for (String k : p.stringPropertyNames())
                    out.append(hex(k)).append('\t').append(hex(p.getProperty(k))).append('\n');
            }
        }
        System.out.print(out);
    }
    static String hex(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append(String.format("%04x", (int) c));
        return b.toString();
    }
}
"""


def _unhex(h: str) -> str:
    units = bytes.fromhex(h)
    return units.decode("utf-16-be", "surrogatepass") if units else ""


def java_load(paths: list[Path], workdir: Path) -> dict[tuple[str, str], dict[str, str]]:
    """``Properties.load`` of each file by the JDK (``java Dump.java``, one JVM for them all):
    {(path, "iso" or "utf8"): {key: value}}."""
    if not JAVA:
        pytest.skip("java is not installed")
    src = workdir / "Dump.java"
    src.write_text(JAVA_SOURCE)
    p = subprocess.run([JAVA, str(src), *map(str, paths)], capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    out: dict[tuple[str, str], dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in p.stdout.decode().split("\n"):
        if line.startswith("== "):
            file, mode = line[3:].rsplit(" ", 1)
            current = out.setdefault((file, mode), {})
        elif line:
            k, _, v = line.partition("\t")
            current[_unhex(k)] = _unhex(v)
    return out


# --- docker run --env-file and GitHub's $GITHUB_ENV -------------------------------------------------
def docker_env_file(path: Path) -> dict[str, str]:
    """docker/cli's ``opts/envfile.go`` (``parseKeyValueFile``): one ``NAME=value`` a line, the
    value raw up to the line's end; leading blanks trimmed; blank and ``#`` lines skipped."""
    out = {}
    for raw in path.read_bytes().decode("utf-8").split("\n"):
        line = raw.lstrip(" \t")
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep and not re.search(r"\s", name), line
        out[name] = value
    return out


def github_env_file(path: Path) -> dict[str, str]:
    """The runner's ``SetEnvFileCommand``: ``NAME=value`` or ``NAME<<DELIMITER``, the value's
    lines, ``DELIMITER``; lines split at LF, CR or CRLF (.NET's ReadLine), joined with LF."""
    lines = re.split(r"\r\n|\n|\r", path.read_bytes().decode("utf-8"))
    if lines and lines[-1] == "":
        lines.pop()
    out, i = {}, 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        eq, heredoc = line.find("="), line.find("<<")
        if eq >= 0 and (heredoc < 0 or eq < heredoc):
            out[line[:eq]] = line[eq + 1:]
            continue
        name, delimiter = line[:heredoc], line[heredoc + 2:]
        body = []
        while lines[i] != delimiter:
            body.append(lines[i])
            i += 1
        i += 1
        out[name] = "\n".join(body)
    return out
