"""The library face: what ``pychamber exec`` and the other commands do, as Python functions.

``settings -> store -> envbuild``, the same path the CLI takes, without printing: chamber's
warnings go to :mod:`warnings` (category :class:`~pychamber.errors.ChamberWarning`), notices
and ``verbose`` debug lines to the ``pychamber`` logger. Every failure is a
:class:`~pychamber.errors.ChamberError` whose text is the CLI's one line (never a value).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

from pychamber import envbuild, names
from pychamber.errors import ChamberError, ChamberWarning
from pychamber.settings import Settings, debug

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.files import Written
    from pychamber.model import RawSecret
    from pychamber.stores.base import Store

#: Keyword options of :func:`open_store` / :func:`env`, and the ``CHAMBER_*`` / ``PYCHAMBER_*``
#: variable each one stands for (an option given wins over the variable).
_ENV_OPTIONS = {
    "region": "CHAMBER_AWS_REGION",
    "kms_key_alias": "CHAMBER_KMS_KEY_ALIAS",
    "local_path": "PYCHAMBER_LOCAL_PATH",
    "ssm_endpoint": "CHAMBER_AWS_SSM_ENDPOINT",
    "secretsmanager_endpoint": "CHAMBER_AWS_SECRETS_MANAGER_ENDPOINT",
}
_FLAG_OPTIONS = {"bucket": "s3_bucket_flag", "retries": "retries_flag",
                 "retry_mode": "retry_mode", "verbose": "verbose"}

NO_SERVICES = "at least one service must be specified"


def settings_for(backend: str | None = None, *, environ: Mapping[str, str] | None = None,
                 **options: object) -> Settings:
    """The :class:`~pychamber.settings.Settings` the CLI would build, from ``CHAMBER_*``
    variables (``environ``, default ``os.environ``), ``backend`` and keyword options:
    ``region``, ``kms_key_alias``, ``retries``, ``retry_mode``, ``bucket``, ``local_path``,
    ``ssm_endpoint``, ``secretsmanager_endpoint``, ``verbose``."""
    env = dict(os.environ if environ is None else environ)
    kwargs: dict[str, object] = {}
    for name, value in options.items():
        if value is None:
            continue
        if name in _ENV_OPTIONS:
            env[_ENV_OPTIONS[name]] = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
        elif name in _FLAG_OPTIONS:
            kwargs[_FLAG_OPTIONS[name]] = value
        else:
            raise TypeError(f"unknown option {name!r}: use one of "
                            f"{', '.join(sorted([*_ENV_OPTIONS, *_FLAG_OPTIONS]))}")
    return Settings(backend_flag=backend, environ=env, **kwargs)  # type: ignore[arg-type]


def store_from(settings: Settings, prefix: str = "Failed to get secret store: ") -> "Store":
    """The store ``settings`` select, its errors prefixed as chamber prefixes them."""
    from pychamber.stores import get_store

    try:
        return get_store(settings)
    except ChamberError as e:
        raise e.wrap(prefix) from None


def release_store(settings: Settings, release: object) -> "Store":
    """The read-only store of the services' releases (:mod:`pychamber.release`): ``True`` or
    ``"current"`` reads each service's current release, a number that release of each."""
    from pychamber.release import parse_selector
    from pychamber.stores.release import ReleaseStore

    number = None if release is True else parse_selector(release)  # type: ignore[arg-type]
    return ReleaseStore.from_settings(settings, number)


def open_store(backend: str | None = None, **options: Any) -> "Store":
    """The store the CLI would use: ``CHAMBER_SECRET_BACKEND`` (or ``backend``: ``ssm``,
    ``secretsmanager``, ``s3``, ``s3-kms``, ``local``, ``null``) configured by the ``CHAMBER_*``
    variables, keyword options overriding them (see :func:`settings_for`).

    The store offers every operation the CLI has: ``write(SecretId, value)``,
    ``read(SecretId, version=-1)``, ``list(service, include_values)``, ``list_raw(service)``,
    ``history(SecretId)``, ``delete(SecretId)``, ``read_tags``/``write_tags``/``delete_tags``,
    ``list_services(prefix)``. Building it makes no AWS call; botocore is imported on first use.

    >>> store = open_store("local", local_path=tmp / "secrets.db")
    >>> store.write(SecretId("web", "db_password"), "hunter2")
    >>> store.read(SecretId("web", "db_password")).value
    'hunter2'
    """
    return store_from(settings_for(backend, **options))


def fetch(store: "Store", services: Sequence[str]) -> Iterator[list["RawSecret"]]:
    """Each service's raw secrets (already lower-cased names), in argument order.

    A service's listing error is raised when its turn comes, after the earlier services were
    merged (chamber loads one at a time). When the store lists concurrently every service is
    fetched at once; if that fails they are listed again one by one, so that the error raised is
    the first failing service's in argument order. Run it under the command's deadline
    (:func:`pychamber.aws.command_deadline`, as :func:`assemble` does)."""
    from pychamber import aws

    normalized = list(services)
    if getattr(store, "concurrent_listing", False) and len(normalized) > 1:
        try:
            results = store.list_raw_many(normalized)
        except ChamberError:
            deadline = aws.current_deadline()
            if deadline is not None and deadline.expired():
                raise  # no time left to list them again one by one
            results = None
        if results is not None:
            yield from results
            return
    for service in normalized:
        yield store.list_raw(service)


def assemble(settings: Settings, store: "Store", services: Sequence[str],
             parent: Mapping[str, str], pristine: bool, strict: bool, strict_value: str,
             warn: Callable[[str], None], strict_services: bool = False) -> envbuild.ExecEnv:
    """Load the services in argument order into the environment (chamber §5.3 / §5.4),
    calling ``warn`` with chamber's overwrite warnings as they happen. ``strict_services``:
    a service with no secrets at all is refused (:func:`envbuild.no_secrets`). One
    ``PYCHAMBER_TIMEOUT`` deadline covers every service's fetch (:func:`pychamber.aws.command_deadline`)."""
    from pychamber import aws

    with aws.command_deadline(settings, "read"):
        if pristine:
            debug(settings, "chamber: pristine mode engaged")
        state = envbuild.start(parent, pristine, strict)
        normalized = [names.go_lower(s) for s in services]
        if strict:
            debug(settings, "chamber: strict mode engaged")
            for service, secrets in zip(services, fetch(store, normalized)):
                if strict_services and not secrets:
                    raise envbuild.no_secrets(names.go_lower(service))
                envbuild.apply_service_strict(state, service, secrets, strict_value, pristine)
            return state
        loader = fetch(store, normalized)
        for service in services:
            try:
                secrets = next(loader)
            except ChamberError as e:
                raise e.wrap("Failed to list store contents: ") from None
            if strict_services and not secrets:
                raise envbuild.no_secrets(names.go_lower(service))
            for name in envbuild.apply_service(state, service, secrets):
                warn(envbuild.overwrite_warning(service, name))
        return state


@dataclass(frozen=True)
class Request:
    """What is loaded, prepared once by :func:`prepare`: exec's first start and each of its
    rotations, ``materialize``, :func:`env` and :func:`secret_files` all load through one.

    ``services`` as typed (chamber's messages name them so); ``files``: the absolute directory
    the secrets go to as files (exec ``--files``, ``materialize --dir``), or None."""

    settings: Settings
    store: "Store"
    services: tuple[str, ...]
    pristine: bool = False
    strict: bool = False
    strict_value: str = "chamberme"
    files: str | None = None
    strict_services: bool = False  # a service with no secrets at all is refused

    @property
    def loaded(self) -> list[str]:
        """The services as the store is asked for them (lower-cased)."""
        return [names.go_lower(s) for s in self.services]

    def environment(self, parent: Mapping[str, str],
                    warn: Callable[[str], None]) -> tuple[envbuild.ExecEnv, dict[str, str] | None]:
        """The services loaded over ``parent`` (chamber's precedence, ``warn`` given its
        overwrite warnings), and with :attr:`files` the secrets as files (file name -> value,
        each name checked) with the environment carrying ``NAME_FILE`` variables instead."""
        state = assemble(self.settings, self.store, self.services, parent, self.pristine,
                         self.strict, self.strict_value, warn, self.strict_services)
        if self.files is None:
            return state, None
        from pychamber.files import check_file_name

        files, state = envbuild.as_files(state, self.files)
        for name in files:
            check_file_name(name)
        return state, files


def prepare(settings: Settings, services: Sequence[str], warn: Callable[[str], None], *,
            pristine: bool = False, strict: bool = False, strict_value: str = "chamberme",
            files: str | os.PathLike[str] | None = None, release: object = None,
            strict_services: bool = False) -> Request:
    """Check the services as typed (``warn`` gets chamber's warning for the reserved
    ``_chamber``), open the store ``settings`` select (with ``release`` -- ``True``,
    ``"current"`` or a number -- the services' releases instead: no store call), and make the
    :class:`Request`."""
    for message in envbuild.validate_services(services):
        warn(message)
    store = store_from(settings) if release is None or release is False else release_store(settings, release)
    directory = None if files is None else os.path.abspath(os.fspath(files))
    return Request(settings, store, tuple(services), pristine, strict, strict_value, directory,
                   strict_services)


def _warn(message: str) -> None:
    warnings.warn(message, ChamberWarning, stacklevel=5)


def env(*services: str, backend: str | None = None, **options: object) -> dict[str, str]:
    """The variables ``pychamber exec SERVICE... -- cmd`` adds to the program's environment:
    chamber's names (``db_password`` -> ``DB_PASSWORD``), later services winning. chamber's
    warnings (a service overwriting another's variable, the reserved ``_chamber`` service) are
    issued as :class:`~pychamber.errors.ChamberWarning`. ``release=True`` (or a number) reads
    the services' current release (or that release) from ``$PYCHAMBER_RELEASE_BUCKET`` instead
    of the store, as ``exec --release`` does.

    >>> env("web", "shared", backend="local", local_path=tmp / "secrets.db")
    {'DB_PASSWORD': 'hunter2'}
    """
    state, _ = _request(services, backend, options).environment({}, _warn)
    return dict(state.env)


def secret_files(*services: str, backend: str | None = None,
                 **options: object) -> dict[str, str]:
    """The files ``materialize`` writes for the services: file name (the secret's key) -> value,
    merged with exec's precedence (later services win). A service with no secrets at all is
    refused."""
    _, files = _request(services, backend, options, files="", strict_services=True).environment({}, _warn)
    return files or {}


def materialize(*services: str, directory: str | os.PathLike[str], mode: int = 0o400,
                uid: int | None = None, gid: int | None = None, backend: str | None = None,
                **options: object) -> "Written":
    """Write each secret of the services to one file in ``directory`` (see
    :mod:`pychamber.files`): exactly the value's bytes, ``mode`` 0400, atomically; files
    pychamber wrote earlier whose secret is gone are removed, files it did not write are never
    touched. Returns what was written and removed (names only)."""
    from pychamber.files import write_secret_files

    request = _request(services, backend, options, files=directory, strict_services=True)
    _, files = request.environment({}, _warn)
    assert request.files is not None and files is not None
    return write_secret_files(request.files, files, mode, uid, gid)


def _request(services: Sequence[str], backend: str | None, options: dict[str, Any],
             files: str | os.PathLike[str] | None = None, strict_services: bool = False) -> Request:
    if not services:
        raise ChamberError(NO_SERVICES)
    options = dict(options)
    release = options.pop("release", None)
    return prepare(settings_for(backend, **options), services, _warn, files=files, release=release,
                   strict_services=strict_services)


def load_env(*services: str, override: bool = False, backend: str | None = None,
             **options: object) -> dict[str, str]:
    """Put the services' variables (as :func:`env` gives them) into ``os.environ``, as
    python-dotenv's ``load_dotenv`` does: a variable already set is left alone unless
    ``override=True``. Returns the variables it set."""
    found = env(*services, backend=backend, **options)
    done: dict[str, str] = {}
    for name, value in found.items():
        if override or name not in os.environ:
            os.environ[name] = value
            done[name] = value
    return done
