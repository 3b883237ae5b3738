"""botocore session, clients and AWS error translation (chamber §7).

Importing this module is cheap: botocore is only imported inside functions. We use
``botocore.session`` directly rather than boto3, which is measurably faster to start
(``import botocore.session`` + ``create_client('ssm')`` ~175 ms against ~235 ms for boto3 on
the project machine).

Region: ``CHAMBER_AWS_REGION`` (non-empty) -> ``AWS_REGION`` (non-empty; botocore ignores it)
-> botocore's own resolution (``AWS_DEFAULT_REGION``, profile ``region``).
Retries: ``retries`` > 0 is the total number of attempts; 0 leaves the count to botocore
(3, or ``AWS_MAX_ATTEMPTS``). The retry mode is always set explicitly. botocore's standard
retry handler is kept (its conditions, attempt count and retry quota) with pychamber's backoff:
a throttled read of Parameter Store's shared read quota (GetParameter, GetParameters,
GetParametersByPath) waits a random 0..``PYCHAMBER_THROTTLE_WINDOW`` s (default 12; 20 s after
the third throttle of one request), not botocore's 0..1 s, which sends a fleet starting at once
straight back into the quota (README "A fleet starting at once").
Time: every attempt has a connect (3 s) and a read (5 s) timeout, never above the overall
deadline ``PYCHAMBER_TIMEOUT`` (seconds, default 30; 0 = none), which a command opens once with
:func:`command_deadline` ("read": over the whole command; "write": :func:`call` gives each call
its own). No retry of a timeout, connection or server error starts after it, a request still
running at it is ended by the watchdog (every byte counts: a trickle is ended too), and the
error says so. A refused connection is tried :data:`REFUSED_ATTEMPTS` times. A throttled call
is the service answering: its retries are bounded by the attempts (CHAMBER_RETRIES), not the
deadline (each such attempt by its own timeouts), so a large fleet is slowed, never failed.
Endpoint: the first non-empty variable named by ``endpoint_env`` (for SSM by default
``CHAMBER_AWS_SSM_ENDPOINT``); otherwise botocore honours ``AWS_ENDPOINT_URL[_<SERVICE>]``.

CHAMBER_* variables and ``AWS_REGION`` are read from ``settings.environ``; everything else
(credentials, profiles, ``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL``...) is resolved by botocore
from the process environment.

The stores make every API call through :func:`call` (the ``--verbose`` line, then the call);
every botocore error goes through :func:`translate`, which produces a one-line
:class:`~pychamber.errors.ChamberError` in chamber v3's (aws-sdk-go-v2) style.

An assume-role profile's MFA code is asked for with ``settings.prompt`` (the CLI passes
the console's ``prompt``, which asks only on a terminal); nothing here reads a terminal or
writes to a stream.
"""

from __future__ import annotations

import random
import re
import sys
import threading
import time
import weakref
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from pychamber.errors import ChamberError, SecretNotFound

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.settings import Settings

#: chamber's default endpoint override variables per service (first non-empty wins). The
#: Secrets Manager backend's STS client should pass ``endpoint_env=ENDPOINT_ENV["secretsmanager"]``
#: explicitly; other STS clients (S3 backends) have no override.
ENDPOINT_ENV: dict[str, tuple[str, ...]] = {
    "ssm": ("CHAMBER_AWS_SSM_ENDPOINT",),
    "secretsmanager": ("CHAMBER_AWS_SECRETS_MANAGER_ENDPOINT", "CHAMBER_AWS_SSM_ENDPOINT"),
}

#: aws-sdk-go-v2 service ids, used in ``operation error <ServiceID>: <Operation>`` messages
#: when no client is at hand.
SERVICE_IDS = {
    "ssm": "SSM",
    "secretsmanager": "Secrets Manager",
    "s3": "S3",
    "sts": "STS",
    "kms": "KMS",
}

NO_REGION_MSG = (
    "an AWS region is required, but was not found: set CHAMBER_AWS_REGION, AWS_REGION or "
    "AWS_DEFAULT_REGION, or a region in your AWS profile"
)
NO_CREDENTIALS_MSG = (
    "no AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a "
    "profile with AWS_PROFILE (run `aws sso login` for an SSO profile), or run with a "
    "container or instance role"
)

#: Error codes that mean "slow down" (botocore's standard mode retries them).
THROTTLING_CODES = frozenset(
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
#: Error codes botocore's standard retry mode retries (throttling and transient errors): an
#: error with one of these after the last attempt reads "exceeded maximum number of attempts".
RETRYABLE_CODES = THROTTLING_CODES | {
    "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalServerError",
    "ServiceUnavailable",
}

#: Parameter Store's read operations sharing one account-wide quota (40/s by default).
SHARED_READ_QUOTA = frozenset({"GetParameter", "GetParameters", "GetParametersByPath"})
#: Full-jitter window (s) of a throttled shared-quota read (``PYCHAMBER_THROTTLE_WINDOW``), and
#: the window from the fourth throttle of one request on (botocore's own cap).
THROTTLE_WINDOW = 12.0
THROTTLE_WINDOW_LATE = 20.0
#: Per-attempt socket timeouts (botocore's are 60 s each) and the default overall deadline.
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
DEFAULT_TIMEOUT = 30.0

_lock = threading.Lock()
_session: Any = None
_loader: Any = None  # botocore's data loader (service models) survives reset_cache()
_clients: dict[tuple, Any] = {}


# --- sessions and clients -------------------------------------------------------------------
def reset_cache() -> None:
    """Forget the cached session and clients (tests change the environment between cases)."""
    global _session
    with _lock:
        _session = None
        _clients.clear()


def session() -> Any:
    """The process-wide botocore session (created on first use)."""
    global _session, _loader
    with _lock:
        if _session is None:
            from pychamber import awsboot

            awsboot.prepare()  # what botocore loads at start, cut to what a client needs
            import botocore.session

            _session = botocore.session.get_session()
            _defer_credentials(_session, botocore.credentials)  # imported by botocore.session
            if _loader is None:
                _loader = awsboot.loader(_session)
            _session.register_component("data_loader", _loader)
        return _session


MFA_NO_TERMINAL_MSG = (
    "the AWS profile assumes a role that needs an MFA code, and there is no terminal to ask for "
    "it: run pychamber from a terminal, or wrap it in a credential helper such as `aws-vault exec`"
)


#: The prompt of the Settings that last built (or fetched) a client on this thread: botocore
#: asks for the MFA code while that client's first call resolves the session's credentials.
_asking = threading.local()


def _mfa_prompt(prompt: str) -> str:
    """The assume-role MFA prompter installed on the process-wide session: asks through
    ``settings.prompt``; with none (no terminal, a library caller) fails at once."""
    ask = getattr(_asking, "prompt", None)
    if ask is None:
        raise ChamberError(MFA_NO_TERMINAL_MSG)
    return ask(prompt)


def _guard_mfa_prompt(resolver: Any) -> None:
    try:
        provider = resolver.get_provider("assume-role")
        provider._prompter = _mfa_prompt  # botocore passes it on as the MFA prompter
    except Exception:  # noqa: BLE001 - a botocore without the hook keeps its own behaviour
        pass


#: The region of the client being built: botocore's credential chain (assume-role, web
#: identity, SSO) is built with the first client and calls STS in its region, as chamber does.
_credentials_region: str | None = None


def _defer_credentials(sess: Any, credentials: Any) -> None:
    """The session's credential chain, built when the first client needs credentials (as
    botocore's own is) but in the region pychamber resolved (CHAMBER_AWS_REGION, AWS_REGION:
    botocore alone knows neither, and would call the global STS endpoint), and with the MFA
    prompter guarded."""
    def create() -> Any:
        resolver = credentials.create_credential_resolver(sess, region_name=_credentials_region)
        _guard_mfa_prompt(resolver)
        return resolver

    sess.lazy_register_component("credential_provider", create)


def resolve_region(settings: "Settings") -> str | None:
    """chamber's region override: non-empty CHAMBER_AWS_REGION, then non-empty AWS_REGION.

    ``None`` means "let botocore decide" (AWS_DEFAULT_REGION, profile region)."""
    env = settings.environ
    for name in ("CHAMBER_AWS_REGION", "AWS_REGION"):
        value = env.get(name, "")
        if value:
            return value
    return None


def resolve_endpoint(
    service_name: str, settings: "Settings", endpoint_env: str | Sequence[str] | None = None
) -> str | None:
    """The first non-empty endpoint variable in ``endpoint_env`` (default: chamber's variable
    for the service), else ``None`` (botocore then honours ``AWS_ENDPOINT_URL*``)."""
    if endpoint_env is None:
        names: Sequence[str] = ENDPOINT_ENV.get(service_name, ())
    elif isinstance(endpoint_env, str):
        names = (endpoint_env,)
    else:
        names = endpoint_env
    for name in names:
        value = settings.environ.get(name, "")
        if value:
            return value
    return None


def retry_config(retries: int, retry_mode: str = "standard") -> dict[str, Any]:
    """botocore ``Config.retries``: total attempts when ``retries`` > 0, the mode always."""
    cfg: dict[str, Any] = {"mode": retry_mode}
    if retries > 0:
        cfg["total_max_attempts"] = retries
    return cfg


def _seconds(settings: "Settings", name: str, default: float) -> float:
    text = settings.environ.get(name, "")
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:  # also a Go duration, as the error lines print it (4s, 1m30s)
        from pychamber.compat.gotime import parse_duration

        try:
            value = parse_duration(text.strip())
        except ValueError:
            value = -1.0
    if not 0 <= value < 1e9:
        raise ChamberError(f"Cannot parse ${name} to a number of seconds.")
    return value


def timeout(settings: "Settings") -> float:
    """``PYCHAMBER_TIMEOUT``: seconds exec's and read's fetches may take (0 = no deadline)."""
    return _seconds(settings, "PYCHAMBER_TIMEOUT", DEFAULT_TIMEOUT)


def attempt_timeouts(settings: "Settings") -> tuple[float, float]:
    """The (connect, read) timeouts of one attempt: 3 s and 5 s, never above the deadline."""
    limit = timeout(settings)
    if limit <= 0:
        return CONNECT_TIMEOUT, READ_TIMEOUT
    return min(CONNECT_TIMEOUT, limit), min(READ_TIMEOUT, limit)


def throttle_window(settings: "Settings") -> float:
    return _seconds(settings, "PYCHAMBER_THROTTLE_WINDOW", THROTTLE_WINDOW)


def client(
    service_name: str,
    settings: "Settings",
    retries: int,
    retry_mode: str = "standard",
    endpoint_env: str | Sequence[str] | None = None,
    *,
    operation: str | None = None,
) -> Any:
    """A (cached) botocore client. Raises ChamberError (one line) when it cannot be built,
    e.g. with no region or an unknown profile; ``operation`` (the API call the client is
    built for) prefixes that message like an SDK error (``operation error SSM: X, ...``).

    Should the session's credentials need an assume-role MFA code, it is asked for with
    ``settings.prompt`` (None: fail at once with MFA_NO_TERMINAL_MSG)."""
    _asking.prompt = settings.prompt  # for the MFA prompter, should this client's call need it
    region = resolve_region(settings)
    endpoint = resolve_endpoint(service_name, settings, endpoint_env)
    connect_timeout, read_timeout = attempt_timeouts(settings)
    window = throttle_window(settings)
    key = (service_name, region, endpoint, retries, retry_mode, connect_timeout, read_timeout,
           window)
    with _lock:
        cached = _clients.get(key)
    if cached is not None:
        return cached
    sess = session()
    if region is None:
        region = _imds_region(sess, settings)
    from botocore.config import Config

    config = Config(retries=retry_config(retries, retry_mode), connect_timeout=connect_timeout,
                    read_timeout=read_timeout)
    with translated(operation, service_name):
        with _lock:  # creating clients from one session is not thread-safe
            cached = _clients.get(key)
            if cached is None:
                global _credentials_region
                _credentials_region = region or sess.get_config_variable("region")
                cached = sess.create_client(
                    service_name, region_name=region, endpoint_url=endpoint, config=config
                )
                _install_retry_policy(cached, window)
                cached.meta.events.register("before-send", _note_url)
                cached.meta.events.register("before-parse", _check_complete)
                _clients[key] = cached
    return cached


def _note_url(request: Any, **kwargs: Any) -> None:
    flight = getattr(_state, "flight", None)
    if flight is not None:
        flight.url = request.url


def _check_complete(operation_model: Any, response_dict: dict, **kwargs: Any) -> None:
    """An answer the watchdog ended, or shorter than its Content-Length, is an error, never
    parsed: botocore reads bodies without that check (its streamed bodies have it), and takes
    the end of the connection for the end of the headers, so that a JSON answer cut short would
    otherwise parse as an answer without its data (exec without its secrets)."""
    flight = getattr(_state, "flight", None)
    if flight is not None and flight.cut:  # the watchdog ended it: what came may be any part of it
        from botocore.exceptions import ConnectionClosedError

        raise ConnectionClosedError(endpoint_url=flight.url)
    body = response_dict.get("body")
    length = (response_dict.get("headers") or {}).get("content-length")
    if (not isinstance(body, bytes) or length is None or operation_model.http.get("method") == "HEAD"
            or response_dict.get("status_code") in (204, 304)):
        return
    try:
        expected = int(length)
    except ValueError:
        return
    if len(body) != expected:
        from botocore.exceptions import IncompleteReadError

        raise IncompleteReadError(actual_bytes=len(body), expected_bytes=expected)


# --- retries: backoff and deadline -----------------------------------------------------------
class _Backoff:
    """Full-jitter backoff: ``rand() * window``. A throttled shared-quota read: the window is
    ``throttle_window`` (20 s from the fourth throttle of the request); another throttle:
    botocore's ``min(2**(n-1), 20)``; any other transient error: ``min(0.05 * 2**(n-1), 20)``."""

    def __init__(self, throttle_window: float):
        self.throttle_window = throttle_window

    def delay_amount(self, context: Any) -> float:
        n = max(1, context.attempt_number)
        throttled = _is_throttle(context.get_error_code(), context.http_response)
        op = context.operation_model.name if context.operation_model is not None else ""
        if throttled and op in SHARED_READ_QUOTA:  # a crowd on the account's quota
            window = self.throttle_window if n <= 3 else max(self.throttle_window,
                                                              THROTTLE_WINDOW_LATE)
        elif throttled:
            window = min(2.0 ** (n - 1), 20.0)
        else:
            window = min(0.05 * 2.0 ** (n - 1), 20.0)
        return random.random() * window


def _install_retry_policy(client: Any, window: float) -> None:
    """Replace the backoff of botocore's standard retry handler (standard and adaptive modes)
    with :class:`_Backoff`, and stop retrying at the thread's deadline (:func:`within`). The
    retry conditions, attempt count and retry quota stay botocore's."""
    if client.meta.config.retries.get("mode") not in ("standard", "adaptive"):
        return
    try:
        from botocore.retries import quota, standard

        sid = client.meta.service_model.service_id.hyphenize()
        attempts = (client.meta.config.retries.get("total_max_attempts")
                    or standard.DEFAULT_MAX_ATTEMPTS)
        adapter = standard.RetryEventAdapter()
        retry_quota = standard.RetryQuotaChecker(
            quota.RetryQuota(), standard.ThrottlingErrorDetector(adapter))
        handler = standard.RetryHandler(
            retry_policy=standard.RetryPolicy(
                retry_checker=standard.StandardRetryConditions(max_attempts=attempts),
                retry_backoff=_Backoff(window)),
            retry_event_adapter=adapter,
            retry_quota=retry_quota,
        )
    except Exception:  # noqa: BLE001 - a botocore without these keeps its own policy
        return
    events = client.meta.events
    unique_id = f"retry-config-{sid}"
    events.unregister(f"needs-retry.{sid}", unique_id=unique_id)
    events.register(f"after-call.{sid}", retry_quota.release_retry_quota)
    decide = handler.needs_retry

    def needs_retry(**kwargs: Any) -> float | None:
        attempts = kwargs.get("attempts") or 0
        _state.attempts = attempts
        delay = decide(**kwargs)
        if delay is None or delay is False:
            return None
        if _refused(kwargs.get("caught_exception")) and attempts >= REFUSED_ATTEMPTS:
            return None  # nothing listens there: say so now, not after a minute of backoff
        current = getattr(_state, "deadline", None)
        throttled = _throttled(kwargs.get("response"))
        if current is not None and not throttled:
            remaining = current.end - time.monotonic()
            if remaining <= 0:
                _state.expired = (current, attempts)
                return None
            delay = min(delay, remaining)
        if current is not None and throttled:
            current.throttled = True  # its later calls may start after it (see bounded)
        flight = getattr(_state, "flight", None)
        if flight is not None and throttled:  # the next attempt may outlive the deadline
            connect, read = client.meta.config.connect_timeout, client.meta.config.read_timeout
            _watchdog.extend(flight, time.monotonic() + delay + connect + read)
        return delay

    events.register(f"needs-retry.{sid}", needs_retry, unique_id=unique_id)


#: Attempts at an endpoint that refuses the connection (nothing listens): a restart may be
#: under way, a minute of backoff is not worth it.
REFUSED_ATTEMPTS = 3


def _refused(exc: BaseException | None) -> bool:
    """botocore's EndpointConnectionError: connection refused (or no such host)."""
    return exc is not None and any(c.__name__ == "EndpointConnectionError" for c in type(exc).__mro__)


def _is_throttle(code: str | None, http: Any) -> bool:
    return code in THROTTLING_CODES or getattr(http, "status_code", 0) == 429


def _throttled(response: Any) -> bool:
    """Whether a needs-retry ``response`` ((http, parsed) or None) says "slow down"."""
    if not response:
        return False
    http, parsed = response
    return _is_throttle(((parsed or {}).get("Error") or {}).get("Code"), http)


class Deadline:
    """An overall time limit: ``seconds`` from ``start`` (``time.monotonic()``): from its
    creation, then from its first AWS call (:meth:`begin`: the time a command waits on AWS, not
    the interpreter's start-up or botocore's import). ``cut``: the watchdog ended a request of
    it at the end."""

    _lock = threading.Lock()

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.start = time.monotonic()
        self.end = self.start + seconds
        self.cut = False
        self.begun = False
        self.throttled = False  # the service slowed a call of it down

    def begin(self) -> None:
        """Start the clock at the first AWS call (threads may race to it: the first wins)."""
        if self.begun:
            return
        with self._lock:
            if not self.begun:
                start = time.monotonic()
                self.start, self.end, self.begun = start, start + self.seconds, True

    def expired(self) -> bool:
        return time.monotonic() >= self.end


#: .deadline: Deadline | None; .expired: (Deadline, attempts) | None; .attempts: the current
#: call's attempts so far; .flight: the _Flight of the AWS call this thread is in, or None
_state = threading.local()

#: The kinds of command deadline: "read" covers the whole command; "write" each AWS call.
DEADLINE_KINDS = ("read", "write")


def new_deadline(settings: "Settings | None") -> Deadline | None:
    """A deadline of ``PYCHAMBER_TIMEOUT`` seconds from now (None: none set, or no settings).
    Commands open theirs with :func:`command_deadline`; :func:`call` opens one per call."""
    if settings is None:
        return None
    seconds = timeout(settings)
    return Deadline(seconds) if seconds > 0 else None


@contextmanager
def command_deadline(settings: "Settings | None", kind: str = "read") -> Iterator[Deadline | None]:
    """The one ``PYCHAMBER_TIMEOUT`` deadline of a command (or of a library call doing what a
    command does), opened here and nowhere else:

    - ``"read"``: every AWS call of the block (each page, each service, each retry, each byte
      of each answer) ends by ``PYCHAMBER_TIMEOUT`` seconds from the first (exec, read, list,
      history, export, env, tag read...);
    - ``"write"``: each AWS call of the block gets ``PYCHAMBER_TIMEOUT`` seconds of its own
      (write, import, delete, tag writes, and the account-wide list-services, find, ecs: a
      long import or a large account is never cut for its size, a stall or a trickle is).

    A deadline already in force on this thread wins (exec's covers its rotation's fetches).
    Yields the deadline (None: "write", or ``PYCHAMBER_TIMEOUT=0``)."""
    if kind not in DEADLINE_KINDS:
        raise ValueError(f"unknown deadline kind {kind!r}")
    current = getattr(_state, "deadline", None)
    if current is not None or kind == "write":
        yield current
        return
    deadline = new_deadline(settings)
    with within(deadline):
        yield deadline


def current_deadline() -> Deadline | None:
    """The deadline the calls of this thread are under (to hand it on to worker threads)."""
    return getattr(_state, "deadline", None)


@contextmanager
def within(deadline: Deadline | None) -> Iterator[None]:
    """Run the block's AWS calls under ``deadline`` (a worker thread under its command's): no
    retry starts after it, and the watchdog ends a request still running at its end. An outer
    deadline already in force on this thread wins."""
    if deadline is None or getattr(_state, "deadline", None) is not None:
        yield
        return
    _state.deadline = deadline
    _state.expired = None
    try:
        yield
    finally:
        _state.deadline = None


# --- the watchdog: a request ends at the deadline, body included ------------------------------
# botocore's read timeout applies to each socket read: an answer trickling one byte a second
# never ends. Every socket created while a thread is in an AWS call (botocore's connections,
# TLS ones included, and its credential providers') is noted (Python's audit event
# ``socket.__new__``), and so is the socket of every connection a thread in an AWS call sends a
# request on (``http.client.send``: a pooled connection made by an earlier call, or by another
# thread), each for the thread that last created or used it. When a call is still running at its
# deadline, the watchdog shuts down the sockets of that call's thread alone (never another
# thread's, running a call with a later deadline): the blocked read returns, botocore sees a closed
# connection, and the deadline stops the retries. A request started after the deadline because
# the service throttled (a throttled retry, a call after one: the deadline never fails a
# throttled fleet) gets its connect and read timeouts; any other is cut at once (again
# CUT_GRACE later, should it retry).
CUT_GRACE = 0.5

_sockets_lock = threading.Lock()
#: each socket noted -> the thread that last created or sent on it in an AWS call (a cut of that
#: thread's call ends it; a body streamed after the call is read on that thread too)
_socket_users: "weakref.WeakKeyDictionary[Any, int]" = weakref.WeakKeyDictionary()
_audit_installed = False
_AUDITED = frozenset({"socket.__new__", "http.client.send"})


class _Flight:
    """One thread's AWS call under a deadline: cut when ``until`` passes."""

    __slots__ = ("deadline", "until", "cut", "url", "thread")

    def __init__(self, deadline: Deadline):
        self.deadline = deadline
        self.until = deadline.end
        self.cut = False
        self.url = ""  # of the request under way
        self.thread = threading.get_ident()


class _Watchdog:
    def __init__(self) -> None:
        self.cond = threading.Condition(threading.Lock())
        self.flights: set[_Flight] = set()
        self.thread: threading.Thread | None = None

    def add(self, flight: _Flight) -> None:
        with self.cond:
            self.flights.add(flight)
            if self.thread is None:
                self.thread = threading.Thread(target=self.run, name="pychamber-deadline",
                                               daemon=True)
                self.thread.start()
            self.cond.notify()

    def remove(self, flight: _Flight) -> None:
        with self.cond:
            self.flights.discard(flight)

    def extend(self, flight: _Flight, until: float) -> None:
        with self.cond:
            flight.until = max(flight.until, until)

    def run(self) -> None:
        with self.cond:
            while True:
                now = time.monotonic()
                due = [f for f in self.flights if f.until <= now]
                if due:
                    for f in due:
                        f.cut = f.deadline.cut = True
                        f.until = now + CUT_GRACE  # a retry that starts anyway: cut again
                    _shut_down_sockets(due)
                    continue
                nxt = min((f.until for f in self.flights), default=None)
                self.cond.wait(None if nxt is None else max(0.0, nxt - now) + 0.01)


_watchdog = _Watchdog()


def _audit(event: str, args: tuple) -> None:
    if event not in _AUDITED:
        return
    if getattr(_state, "flight", None) is None:
        return
    sock = args[0] if event == "socket.__new__" else getattr(args[0], "sock", None)
    if sock is not None:
        with _sockets_lock:
            _socket_users[sock] = threading.get_ident()


def _install_audit_hook() -> None:
    global _audit_installed
    if not _audit_installed:
        _audit_installed = True
        try:
            sys.addaudithook(_audit)
        except Exception:  # noqa: BLE001 - a hook that refuses others: the deadline stops retries only
            pass


def _shut_down_sockets(flights: Iterable[_Flight]) -> None:
    import socket

    threads = {f.thread for f in flights}
    with _sockets_lock:
        sockets = [sock for sock, user in _socket_users.items() if user in threads]
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)  # not close(): the fd stays the reader's
        except (OSError, ValueError):  # not connected, already closed, detached into TLS
            pass


@contextmanager
def bounded(settings: "Settings | None") -> Iterator[None]:
    """Run a block that talks to AWS (an API call; a streamed body being read) under the
    thread's deadline, or one of its own (``PYCHAMBER_TIMEOUT``): a request still running at
    the deadline is ended there, whatever it has received so far."""
    if getattr(_state, "flight", None) is not None:  # already in one
        yield
        return
    own = None if getattr(_state, "deadline", None) is not None else new_deadline(settings)
    with within(own):
        deadline = getattr(_state, "deadline", None)
        if deadline is None:
            yield
            return
        _install_audit_hook()
        deadline.begin()
        flight = _state.flight = _Flight(deadline)
        if deadline.throttled and deadline.expired():  # throttled past it: slowed, not failed
            flight.until = time.monotonic() + CONNECT_TIMEOUT + READ_TIMEOUT
        _state.attempts = 0
        _watchdog.add(flight)
        try:
            yield
        finally:
            _watchdog.remove(flight)
            _state.flight = None


def _imds_region(sess: Any, settings: "Settings") -> str | None:
    """chamber (aws-sdk-go-v2) asks EC2 instance metadata for the region when nothing else
    names one; botocore does not. Only tried when botocore has no region either (where the
    call would otherwise fail), and never when AWS_EC2_METADATA_DISABLED is true."""
    try:
        if sess.get_config_variable("region"):
            return None
    except Exception:  # noqa: BLE001 - a broken profile is reported when the client is built
        return None
    if settings.environ.get("AWS_EC2_METADATA_DISABLED", "").lower() == "true":
        return None
    try:
        from botocore.utils import InstanceMetadataRegionFetcher

        return InstanceMetadataRegionFetcher(timeout=1, num_attempts=1).retrieve_region()
    except Exception:  # noqa: BLE001 - failure ignored, as in chamber
        return None


# --- calls ----------------------------------------------------------------------------------
class AwsError(ChamberError):
    """A translated AWS error that remembers its error code (``ResourceNotFoundException``;
    None for errors without one, such as a connection failure)."""

    code: str | None = None  # also on copies made by ``wrap``

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


def snake(op: str) -> str:
    """botocore's method name for an API operation: ``GetParametersByPath`` ->
    ``get_parameters_by_path``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower()


def call(
    client_for: Callable[[str], Any],
    service: str,
    op: str,
    *,
    settings: "Settings | None" = None,
    redact: Iterable[str] = (),
    not_found: bool | Iterable[str] = (),
    ok_codes: Iterable[str] = (),
    reword: Callable[[str, BaseException, str, str], str] | None = None,
    **params: Any,
) -> Any:
    """Call one API operation: ``client_for(op)`` gives the client (``op`` names the call in
    the error when the client cannot be built), ``params`` are the operation's.

    With ``settings.verbose`` a debug line ``aws call operation=<op>`` comes first (never a
    parameter). A botocore error becomes a one-line :class:`AwsError` (its code kept; the
    strings in ``redact`` replaced); ``reword(message, exc, op, service)`` may adjust that
    message (S3's HostID). ``not_found=True`` turns every error, ChamberErrors included (no
    client, no credentials), into SecretNotFound, a list of codes only errors with those codes;
    an error whose code is in ``ok_codes`` returns None."""
    if settings is not None and settings.verbose:
        from pychamber.settings import debug

        debug(settings, "aws call", operation=op)
    try:  # built before the call's own deadline starts (botocore's import is no AWS call)
        bound = client_for(op)
    except ChamberError:
        if not_found is True:
            raise SecretNotFound() from None
        raise
    with bounded(settings):  # the deadline (and the watchdog) of the call, while it is worded
        try:
            return getattr(bound, snake(op))(**params)
        except ChamberError:
            if not_found is True:
                raise SecretNotFound() from None
            raise
        except Exception as exc:  # noqa: BLE001 - only botocore errors are translated
            if not is_botocore_error(exc):
                raise
            code = error_code(exc)
            if not_found is True or (not isinstance(not_found, bool) and code in set(not_found)):
                raise SecretNotFound() from None
            if code in set(ok_codes):
                return None
            message = translate(exc, op, service, redact).message
            message = _timing(message, exc, bound, op, service)
            if reword is not None:
                message = reword(message, exc, op, service)
            raise AwsError(message, code) from None


# --- error translation ----------------------------------------------------------------------
def _timing(message: str, exc: BaseException, client: Any, op: str, service: str) -> str:
    """Say how long a timed-out attempt waited, and whether the deadline ended the retries
    (``..., gave up after 30.1s (PYCHAMBER_TIMEOUT=30s) and 6 attempts, <the last error>``)."""
    from botocore import exceptions as bex

    config = getattr(getattr(client, "meta", None), "config", None)
    if isinstance(exc, bex.ReadTimeoutError) and config is not None:
        message += f" (no answer within {config.read_timeout:g}s)"
    elif isinstance(exc, bex.ConnectTimeoutError) and config is not None:
        message += f" (no connection within {config.connect_timeout:g}s)"
    expired = getattr(_state, "expired", None)
    deadline = getattr(_state, "deadline", None)
    if expired is None and deadline is not None and deadline.cut and deadline.expired():
        expired = (deadline, getattr(_state, "attempts", 0) or 1)  # cut on its last attempt
    if expired is not None:
        _state.expired = None
        deadline, attempts = expired
        if deadline.cut and isinstance(exc, (bex.ConnectionError, bex.HTTPClientError,
                                             bex.IncompleteReadError, bex.ResponseStreamingError)):
            url = getattr(exc, "kwargs", {}).get("endpoint_url")
            message = (f"{_prefix(op, service)}request send failed, timed out reading from the endpoint URL "
                       f"\"{url}\" (no complete answer by the deadline)")
        prefix = _prefix(op, service)
        rest = message[len(prefix):] if message.startswith(prefix) else message
        message = (f"{prefix}gave up after {time.monotonic() - deadline.start:.1f}s "
                   f"(PYCHAMBER_TIMEOUT={deadline.seconds:g}s) and {attempts} "
                   f"attempt{'' if attempts == 1 else 's'}, {rest}")
    return message


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _redact(text: str, secrets: Iterable[str]) -> str:
    for s in secrets:
        if s and len(s) >= 3 and s in text:
            text = text.replace(s, "[REDACTED]")
    return text


def translate(
    exc: BaseException,
    operation: str | None = None,
    service: str | None = "ssm",
    redact: Iterable[str] = (),
) -> ChamberError:
    """A one-line ChamberError for a botocore exception (anything else: its text, one line).

    ``operation`` is the API operation (``PutParameter``) when the exception does not carry it;
    ``redact`` lists strings (secret values) that must never appear in the message.
    """
    if isinstance(exc, ChamberError):
        return exc
    secrets = [s for s in redact if s]
    msg = _message(exc, operation, service)
    return ChamberError(_redact(_one_line(msg), secrets))


def _prefix(operation: str | None, service: str | None) -> str:
    if not operation:
        return ""
    return f"operation error {SERVICE_IDS.get(service or '', service or 'SSM')}: {operation}, "


def _message(exc: BaseException, operation: str | None, service: str | None) -> str:
    try:
        from botocore import exceptions as bex
    except ImportError:  # pragma: no cover
        return str(exc) or type(exc).__name__

    if isinstance(exc, bex.ClientError):
        resp = getattr(exc, "response", {}) or {}
        err = resp.get("Error", {}) or {}
        meta = resp.get("ResponseMetadata", {}) or {}
        code = err.get("Code") or "Unknown"
        message = err.get("Message") or ""
        status = meta.get("HTTPStatusCode", 0)
        request_id = meta.get("RequestId", "") or meta.get("HTTPHeaders", {}).get(
            "x-amzn-requestid", ""
        )
        op = getattr(exc, "operation_name", None) or operation or "Unknown"
        attempts = ""
        if meta.get("MaxAttemptsReached") and (
            meta.get("RetryAttempts") or code in RETRYABLE_CODES or status in (500, 502, 503, 504)
        ):
            attempts = f"exceeded maximum number of attempts, {meta.get('RetryAttempts', 0) + 1}, "
        return (
            f"{_prefix(op, service)}{attempts}https response error StatusCode: {status}, "
            f"RequestID: {request_id}, api error {code}: {message}"
        )
    prefix = _prefix(operation, service)
    if isinstance(exc, bex.NoRegionError):
        return f"{prefix}{NO_REGION_MSG}"
    if isinstance(exc, bex.NoCredentialsError):
        return f"{prefix}failed to retrieve credentials: {NO_CREDENTIALS_MSG}"
    if isinstance(exc, bex.PartialCredentialsError):
        return f"{prefix}failed to retrieve credentials: {exc}"
    if isinstance(exc, (bex.UnauthorizedSSOTokenError, bex.SSOTokenLoadError, bex.TokenRetrievalError)):
        return f"{prefix}failed to retrieve credentials: {exc} (run `aws sso login`)"
    if isinstance(exc, bex.ProfileNotFound):
        return f"{prefix}failed to load AWS configuration: {exc}"
    if isinstance(exc, bex.ParamValidationError):
        # botocore's text can quote the offending parameter value: keep only the first lines'
        # descriptions and never the value itself.
        report = str(exc.kwargs.get("report", "")) if hasattr(exc, "kwargs") else ""
        lines = [ln.split(", value:")[0] for ln in report.splitlines() if ln.strip()]
        return f"{prefix}invalid request: {'; '.join(lines) or 'parameter validation failed'}"
    if isinstance(exc, (bex.EndpointConnectionError, bex.ConnectionError, bex.HTTPClientError)):
        url = getattr(exc, "kwargs", {}).get("endpoint_url")
        if isinstance(exc, bex.ConnectTimeoutError):
            what = "timed out connecting to"
        elif isinstance(exc, bex.ReadTimeoutError):
            what = "timed out reading from"
        else:
            what = "could not connect to"
        if url:
            return f"{prefix}request send failed, {what} the endpoint URL \"{url}\""
        return f"{prefix}request send failed, {exc}"
    if isinstance(exc, bex.BotoCoreError):
        return f"{prefix}{exc}"
    return f"{prefix}{exc}" if str(exc) else f"{prefix}{type(exc).__name__}"


@contextmanager
def translated(
    operation: str | None = None, service: str | None = "ssm", redact: Iterable[str] = ()
) -> Iterator[None]:
    """``with translated("PutParameter", redact=[value]): ...`` turns botocore errors into
    one-line ChamberErrors (``raise ... from None``: no chained traceback)."""
    try:
        yield
    except ChamberError:
        raise
    except Exception as exc:  # noqa: BLE001 - only botocore errors are expected here
        if isinstance(exc, ValueError) and str(exc).startswith("Invalid endpoint: "):
            raise ChamberError(_one_line(_prefix(operation, service) + str(exc))) from None
        if not is_botocore_error(exc):
            raise
        message = translate(exc, operation, service, redact).message
        deadline = getattr(_state, "deadline", None)
        if deadline is not None and deadline.cut and operation and service:  # a body read cut
            message = _timing(message, exc, None, operation, service)
        raise ChamberError(message) from None


def is_botocore_error(exc: BaseException) -> bool:
    """True for botocore/urllib3 exceptions (which :func:`translate` knows how to word)."""
    mod = type(exc).__module__ or ""
    if mod.startswith(("botocore", "urllib3")):
        return True
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, (BotoCoreError, ClientError))


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError (``ParameterNotFound``...), else None."""
    resp = getattr(exc, "response", None)
    if isinstance(resp, dict):
        code = (resp.get("Error") or {}).get("Code")
        return str(code) if code is not None else None
    return None
