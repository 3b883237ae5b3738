"""Shared fixtures: one moto server per test session, reset per test, and pychamber's CLI run
in this process on a fake console (httpie's MockEnvironment) or, where only a process will do,
as ``python -m pychamber``.

- ``moto_server`` (session): ``http://127.0.0.1:PORT`` of a ThreadedMotoServer.
- ``aws_env`` (function): resets moto and returns an environment dict for a pychamber run
  (no inherited AWS_*/CHAMBER_*/PYCHAMBER_*; fake credentials; the server as endpoint).
- ``ssm_client`` (function): a boto3 SSM client on the server, for asserting what is stored;
  ``aws_client(service)`` the same for any service.
- ``run_cli`` (function): ``run(*args, input=None, env_extra=None, check=None)`` runs
  ``pychamber ARGS`` with ``aws_env`` *in this process* (:func:`invoke`) and returns a
  CompletedProcess whose ``stdout``/``stderr`` are str (UTF-8, surrogateescape, CRLF kept; raw
  bytes in ``stdout_bytes``/``stderr_bytes``). A line that would really exec a program
  (``exec ... -- cmd`` without ``--dry-run``: execve would replace pytest) runs as a process.
- ``run_cli_subprocess`` (function): the same signature, always ``python -m pychamber`` in a
  child process (:func:`spawn`): for exit statuses of exec'd programs, signals, SIGPIPE, ttys,
  and what a fresh interpreter imports.
- ``aws_process_env`` (function): applies ``aws_env`` to *this* process's ``os.environ``
  (restored afterwards) and clears pychamber.aws's cached session/clients: for in-process
  store tests, since botocore reads credentials and endpoints from ``os.environ``.

Test modules whose runs need no moto (their own environment) call :func:`invoke` and
:func:`spawn` directly (``from conftest import invoke``).

An in-process run is made to look like a fresh process to pychamber (:func:`process_state`):
``os.environ`` is exactly the run's environment (and ``time.tzset()`` applied), pychamber.aws's
session and clients and keyring's backend are forgotten before and after, ``sys.stdin``/
``stdout``/``stderr`` are the fake console's streams (a stray ``sys.stderr.write`` lands where a
process's fd 2 would), warnings are filtered and shown as a fresh interpreter would, and the
signal dispositions, umask and working directory are put back afterwards. ``os.execve`` is a
tripwire: reaching it in-process fails the test instead of replacing pytest.

Never use ``moto.mock_aws`` in this process: entering or leaving it wipes the server's state.
"""

from __future__ import annotations

import contextlib
import io
import locale
import logging
import os
import signal
import subprocess
import sys
import time
import traceback
import urllib.request
import warnings
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import pytest

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src"

if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

from pychamber.cli.console import Console  # noqa: E402 - needs SRC on sys.path

logging.getLogger("werkzeug").setLevel(logging.ERROR)

REGION = "us-east-1"
_STRIP_PREFIXES = ("AWS_", "CHAMBER_", "PYCHAMBER_")
PYCHAMBER = [sys.executable, "-m", "pychamber"]


# --- the fake console --------------------------------------------------------------------------
class FakeConsole(Console):
    """A console on in-memory streams: ``stdin`` holds the bytes given (a str is UTF-8 encoded;
    ``None`` is an empty stdin), stdout and stderr collect what the command writes. None of
    them is a terminal (BytesIO.isatty() is False), as under a pipe."""

    def __init__(self, stdin: bytes | str | None = None):
        data = stdin.encode("utf-8") if isinstance(stdin, str) else (stdin or b"")
        super().__init__(stdin=io.BytesIO(data), stdout=io.BytesIO(), stderr=io.BytesIO())

    @property
    def stdout_bytes(self) -> bytes:
        return self.stdout.getvalue()

    @property
    def stderr_bytes(self) -> bytes:
        return self.stderr.getvalue()


# --- one run in this process ---------------------------------------------------------------------
class ExecveInProcess(BaseException):
    """Raised by the ``os.execve`` tripwire (a BaseException: the CLI's handler lets it by)."""


def _tripwire(*args, **kwargs):
    raise ExecveInProcess(args[:2])


_EXEC_FUNCTIONS = ("execv", "execve", "execvp", "execvpe", "execl", "execle", "execlp", "execlpe")
_SIGNALS = tuple(getattr(signal, n) for n in ("SIGPIPE", "SIGXFSZ", "SIGINT", "SIGTERM")
                 if hasattr(signal, n))
#: The filters of a fresh interpreter started without -W or PYTHONWARNINGS.
_FRESH_FILTERS = (
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", ResourceWarning, ""),
)


def _text(stream: io.BytesIO, errors: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(stream, encoding="utf-8", errors=errors, write_through=True)


@contextlib.contextmanager
def process_state(env: Mapping[str, str], console: FakeConsole) -> Iterator[None]:
    """This process, for the duration, as a fresh ``pychamber`` process would find itself:
    environment ``env``, standard streams the console's; everything put back afterwards."""
    from pychamber import aws

    saved_environ = dict(os.environ)
    saved_streams = (sys.stdin, sys.stdout, sys.stderr)
    saved_signals = [(s, signal.getsignal(s)) for s in _SIGNALS]
    saved_exec = {n: getattr(os, n) for n in _EXEC_FUNCTIONS if hasattr(os, n)}
    saved_cwd = os.getcwd()
    saved_umask = os.umask(0o022)
    os.umask(saved_umask)
    keyring_core = sys.modules.get("keyring.core")
    saved_keyring = getattr(keyring_core, "_keyring_backend", None)
    wrappers = [_text(console.stdin, "strict"), _text(console.stdout, "surrogateescape"),
                _text(console.stderr, "backslashreplace")]
    try:
        os.environ.clear()
        os.environ.update(env)
        time.tzset()
        aws.reset_cache()
        if keyring_core is not None:  # PYTHON_KEYRING_BACKEND is read once per process
            keyring_core._keyring_backend = None
        for n in saved_exec:
            setattr(os, n, _tripwire)
        sys.stdin, sys.stdout, sys.stderr = wrappers
        with warnings.catch_warnings():
            warnings.resetwarnings()
            for action, category, module in reversed(_FRESH_FILTERS):
                warnings.filterwarnings(action, category=category, module=module)

            def show(message, category, filename, lineno, file=None, line=None):
                sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

            warnings.showwarning = show
            yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        for w in wrappers:
            w.detach()  # a collected TextIOWrapper would close the console's BytesIO
        for n, fn in saved_exec.items():
            setattr(os, n, fn)
        os.environ.clear()
        os.environ.update(saved_environ)
        time.tzset()
        aws.reset_cache()
        core = sys.modules.get("keyring.core")
        if core is not None:  # imported before: its backend back; imported now: uninitialised
            core._keyring_backend = saved_keyring
        for s, handler in saved_signals:
            if handler is not None:
                signal.signal(s, handler)
        os.umask(saved_umask)
        os.chdir(saved_cwd)


def _completed(args: Sequence[str], code: int, out: bytes, err: bytes, text: bool) -> subprocess.CompletedProcess:
    """CompletedProcess with str output: as ``text=True`` would give it (the locale's encoding,
    universal newlines) when ``text``, else UTF-8 with surrogateescape and CRLF kept; the bytes
    in ``stdout_bytes``/``stderr_bytes``."""
    if text:
        enc = locale.getpreferredencoding(False)
        decode = lambda b: io.TextIOWrapper(io.BytesIO(b), encoding=enc).read()  # noqa: E731
    else:
        decode = lambda b: b.decode("utf-8", "surrogateescape")  # noqa: E731
    result = subprocess.CompletedProcess(list(args), code, decode(out), decode(err))
    result.stdout_bytes = out  # type: ignore[attr-defined]
    result.stderr_bytes = err  # type: ignore[attr-defined]
    return result


def invoke(args: Sequence[object], env: Mapping[str, str], input: bytes | str | None = None,
           text: bool = False) -> subprocess.CompletedProcess:
    """``pychamber ARGS`` in this process on a :class:`FakeConsole`, with ``os.environ`` = ``env``
    for the duration. Returns what :func:`spawn` would. A run that reaches execve fails the test."""
    from pychamber.cli import run_cli

    argv = [str(a) for a in args]
    console = FakeConsole(input)
    with process_state(env, console):
        try:
            code = run_cli(argv, console)
        except ExecveInProcess as e:
            pytest.fail(f"pychamber {' '.join(argv)}: reached execve{e.args[0]!r} in the test "
                        "process; run it with run_cli_subprocess / spawn", pytrace=False)
        except SystemExit as e:  # what the interpreter does with an uncaught one
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except Exception:  # noqa: BLE001 - an uncaught exception: traceback, status 1
            traceback.print_exc(file=sys.stderr)
            code = 1
    return _completed([*PYCHAMBER, *argv], code, console.stdout_bytes, console.stderr_bytes, text)


@contextlib.contextmanager
def moto_behind(wrap):
    """moto's WSGI app wrapped in ``wrap`` (a middleware class, or any callable taking the app),
    served over real HTTP on a loopback port of its own: yields the middleware with its ``url``
    set (moto's state is the session server's: one process, one set of backends)."""
    import threading

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    app = wrap(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield app
    finally:
        # stopped, not closed: its port stays taken while the worker lives, so that no other
        # test's server gets it while a process of this test may still be talking to it
        server.shutdown()


def spawn(args: Sequence[object], env: Mapping[str, str], input: bytes | str | None = None,
          text: bool = False, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m pychamber ARGS`` as a child process with environment ``env``. ``input=None``
    inherits pytest's stdin, as before."""
    data = input.encode("utf-8") if isinstance(input, str) else input
    proc = subprocess.run([*PYCHAMBER, *[str(a) for a in args]], input=data, capture_output=True,
                          env=dict(env), timeout=timeout)
    return _completed(proc.args, proc.returncode, proc.stdout, proc.stderr, text)


#: The global flags that take a value as the next word (chamber's persistent flags).
_GLOBAL_VALUE_FLAGS = frozenset({"-b", "--backend", "--backend-s3-bucket", "--kms-key-alias", "-r",
                                 "--retries", "--retry-mode", "--min-throttle-delay"})


def execs_a_program(args: Sequence[object]) -> bool:
    """Whether this command line would replace the process with a program: the command is
    ``exec``, there is a ``--`` and no ``--dry-run`` before it."""
    argv = [str(a) for a in args]
    if "--" not in argv:
        return False
    before = argv[:argv.index("--")]
    words, skip = [], False
    for a in before:
        if skip:
            skip = False
        elif a in _GLOBAL_VALUE_FLAGS:
            skip = True
        elif not a.startswith("-"):
            words.append(a)
    return bool(words) and words[0] == "exec" and "--dry-run" not in before


# --- moto ------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def moto_server():
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # The first SSM call on a fresh server loads the backend lazily (~0.8 s): pay it once here.
    _ssm_client(url).describe_parameters(MaxResults=1)
    try:
        yield url
    finally:
        server.stop()


def _reset(url: str) -> None:
    req = urllib.request.Request(url + "/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()


@pytest.fixture
def aws_env(moto_server, tmp_path):
    _reset(moto_server)
    env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIP_PREFIXES)}
    config = tmp_path / "aws_config"
    creds = tmp_path / "aws_credentials"
    config.write_text("")
    creds.write_text("")
    old_pp = env.get("PYTHONPATH", "")
    env.update(
        {
            "AWS_ENDPOINT_URL": moto_server,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(config),
            "AWS_SHARED_CREDENTIALS_FILE": str(creds),
            "PYTHONPATH": str(SRC) + (os.pathsep + old_pp if old_pp else ""),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            # imports unpaced in tests (test_import_calls checks the pacing itself)
            "PYCHAMBER_WRITE_RATE": "0",
        }
    )
    return env


_CLIENTS: dict[tuple[str, str], object] = {}


def _client(url: str, service: str = "ssm"):
    """A (cached) boto3 client of ``service`` on the moto server at ``url``."""
    client = _CLIENTS.get((url, service))
    if client is None:
        import boto3

        client = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name=REGION,
        ).client(service, endpoint_url=url)
        _CLIENTS[(url, service)] = client
    return client


_ssm_client = _client


@pytest.fixture
def aws_client(moto_server):
    """``aws_client(service)``: a boto3 client on the moto server, for asserting what is stored."""
    return lambda service: _client(moto_server, service)


@pytest.fixture
def ssm_client(moto_server):
    return _client(moto_server, "ssm")


# --- the CLI on moto -------------------------------------------------------------------------------
def _runner(aws_env: Mapping[str, str], subprocess_only: bool):
    def run(*args, input=None, env_extra=None, check=None) -> subprocess.CompletedProcess:
        """``check``: None/False = no check, True = exit code must be 0, an int = that code.
        ``env_extra`` values of None remove the variable. ``input`` may be str or bytes."""
        env = dict(aws_env)
        for k, v in (env_extra or {}).items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
        if subprocess_only or execs_a_program(args):
            result = spawn(args, env, input)
        else:
            result = invoke(args, env, input)
        if check is True or (not isinstance(check, bool) and isinstance(check, int)):
            want = 0 if check is True else check
            assert result.returncode == want, (
                f"pychamber {' '.join(map(str, args))}: exit {result.returncode} (wanted {want})\n"
                f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}"
            )
        return result

    return run


@pytest.fixture
def run_cli(aws_env):
    return _runner(aws_env, subprocess_only=False)


@pytest.fixture
def run_cli_subprocess(aws_env):
    return _runner(aws_env, subprocess_only=True)


@pytest.fixture
def aws_process_env(aws_env, monkeypatch):
    """Make this process's environment equal to ``aws_env`` for the test (in-process tests)."""
    for k in list(os.environ):
        if k not in aws_env:
            monkeypatch.delenv(k)
    for k, v in aws_env.items():
        if os.environ.get(k) != v:
            monkeypatch.setenv(k, v)
    from pychamber import aws

    aws.reset_cache()
    yield os.environ
    aws.reset_cache()


def wait_for(predicate, timeout: float = 40.0, step: float = 0.05) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass (generous: CI machines are
    busy 2-core ones); True when it held."""
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return False


def run_concurrently(argvs: Sequence[Sequence[object]], env: Mapping[str, str],
                     inputs: Sequence[bytes], timeout: float = 180) -> list[tuple[int, bytes, bytes]]:
    """``python -m pychamber ARGV`` for each argv at once, each reading its ``inputs`` entry
    from stdin: every child is started and let through its start-up to the read of stdin (so
    that their AWS calls overlap; an alignment only, never an assertion), then all stdins are
    written and closed together. Returns (exit code, stdout, stderr) per argv, in order."""
    procs = [subprocess.Popen([*PYCHAMBER, *[str(a) for a in argv]], env=dict(env),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for argv in argvs]

    def reading(p) -> bool:
        try:
            with open(f"/proc/{p.pid}/wchan") as f:
                return "pipe" in f.read()
        except OSError:
            return True

    try:
        wait_for(lambda: all(reading(p) for p in procs), timeout=60)
        for p, data in zip(procs, inputs):
            p.stdin.write(data)
        for p in procs:
            p.stdin.close()
        codes = [p.wait(timeout=timeout) for p in procs]  # their output is a few lines
        return [(code, p.stdout.read(), p.stderr.read()) for code, p in zip(codes, procs)]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
            for f in (p.stdout, p.stderr):
                f.close()
