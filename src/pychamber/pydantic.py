"""chamber's secrets as a pydantic-settings source: ``Settings()`` reads what
``pychamber exec web -- app`` would have put in the app's environment, without the wrapper.

Place the source after ``env_settings``, so that a variable set in the environment (or passed
to the constructor) wins over the stored secret, as it does for every other source::

    from pydantic import SecretStr
    from pydantic_settings import BaseSettings
    from pychamber.pydantic import ChamberSettingsSource

    class Settings(BaseSettings):
        db_password: SecretStr              # secret "db_password" -> DB_PASSWORD
        port: int = 8000

        @classmethod
        def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                       dotenv_settings, file_secret_settings):
            chamber = ChamberSettingsSource(settings_cls, services=["web", "shared"])
            return init_settings, env_settings, chamber, dotenv_settings, file_secret_settings

Names: each secret is offered under chamber's variable name for it (a secret ``db-host`` of
service ``web`` is ``DB_HOST``, exactly as ``exec`` names it; later services win) *and* under
its key as stored (``db-host``), so that ``validation_alias="db-host"`` matches too. Field
names and aliases are matched the way pydantic-settings' environment source matches variables,
with the model's ``env_prefix`` in front: case-insensitively unless the model (or the source's
``case_sensitive=True``) says otherwise; then ``db_host`` matches the stored key ``db_host`` and
``DB_HOST`` the variable, nothing else.

Nested models are filled from path segments, as pydantic-settings' own Parameter Store source
fills them: a field ``db: Db`` of a source on service ``web`` is read from the service
``web/db`` (``/web/db/port`` into ``db.port``; deeper models from deeper services), offered as
``db/port`` (joined with the model's ``env_nested_delimiter`` when it has one). A JSON value
stored under the field's own name (``/web/db``) works too, as in the environment.

Everything else is the environment source's behaviour, reused rather than rewritten: complex
fields (lists, dicts, models) are JSON-decoded, ``env_ignore_empty`` and ``env_parse_none_str``
apply, ``SecretStr`` fields receive the value as any string field does.

The services are fetched once per source, on first use (plus one listing per nested model
field): ``settings_customise_sources`` builds a new source for each ``Settings()``, so each
instantiation fetches once (wrap it in ``functools.lru_cache`` to fetch once per process). The
backend and its options are :func:`pychamber.env`'s: ``backend=`` and keyword options override
the ``CHAMBER_*`` variables; ``region_name`` and ``endpoint_url`` are the keyword names of
pydantic-settings' own AWS sources (``region`` and ``ssm_endpoint`` /
``secretsmanager_endpoint`` are pychamber's, and work too). chamber's warnings (a service
overwriting another's variable) are :class:`pychamber.ChamberWarning` pointing at the line that
built the settings. A store that cannot be read raises :class:`pychamber.ChamberError` out of
``Settings()``; a secret that is not stored simply leaves its field to the later sources and
the field's default (or pydantic's "Field required" error).

Which source when: pydantic-settings' ``AWSSystemsManagerSettingsSource`` reads one path
recursively with boto3, names as stored, case-sensitive by default;
``AWSSecretsManagerSettingsSource`` one JSON secret. This one reads chamber's layout with
chamber's names and precedence (several services, later ones winning, the names ``exec``
gives), on any of chamber's backends (SSM, Secrets Manager, S3, the local file), with
pychamber's retries, timeouts and throttling, and without boto3.

Needs the optional dependency: ``pip install pydantic-settings`` (or pychamber with its extra,
``pip install '.[pydantic]'`` from a checkout).
"""

from __future__ import annotations

import sys
import typing
import warnings
from types import FrameType
from typing import TYPE_CHECKING, Any, Mapping, Sequence

try:
    from pydantic import BaseModel
    from pydantic_settings import EnvSettingsSource
    from pydantic_settings.sources.utils import parse_env_vars
except ImportError as e:  # pragma: no cover - exercised with pydantic_settings hidden
    raise ImportError(
        "pychamber.pydantic needs pydantic-settings: pip install pydantic-settings"
    ) from e

if TYPE_CHECKING:  # pragma: no cover
    from pydantic.fields import FieldInfo
    from pydantic_settings import BaseSettings

    from pychamber.stores.base import Store

__all__ = ["ChamberSettingsSource"]

#: The delimiter of nested models' names when the model has no ``env_nested_delimiter``
#: (pydantic-settings' Parameter Store source uses it too; no chamber key contains it).
PATH_DELIMITER = "/"
#: Modules whose frames a warning skips on its way to the user's code.
_INTERNAL = ("pychamber", "pydantic", "pydantic_settings", "pydantic_core", "typing")
#: How deep nested models are followed (a model that contains itself stops here).
_MAX_DEPTH = 8


class ChamberSettingsSource(EnvSettingsSource):
    """A pydantic-settings source reading chamber services' secrets, named as ``exec`` names
    them and as they are stored.

    :param settings_cls: the settings class (``settings_customise_sources``' ``settings_cls``).
    :param services: the services to load, in ``exec``'s order (later services win); one
        service may be given as a plain string.
    :param backend: ``ssm``, ``secretsmanager``, ``s3``, ``s3-kms``, ``local`` or ``null``;
        default ``$CHAMBER_SECRET_BACKEND``, else SSM.
    :param region_name: the AWS region (pychamber's own name for it, ``region``, works too).
    :param endpoint_url: the endpoint of the backend's AWS service (SSM or Secrets Manager;
        ``ssm_endpoint`` / ``secretsmanager_endpoint`` set one of them).
    :param case_sensitive: match names case-sensitively; default the model's ``case_sensitive``.
    :param env_prefix: put in front of every field's name; default the model's ``env_prefix``.
    :param env_nested_delimiter: joins a nested model's segments; default the model's, else
        ``/``.
    :param options: :func:`pychamber.env`'s other keyword options: ``kms_key_alias``,
        ``retries``, ``retry_mode``, ``bucket``, ``local_path``, ``verbose``.

    Building the source reads nothing: the store is read when the source is first called.
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        services: Sequence[str] | str,
        backend: str | None = None,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        case_sensitive: bool | None = None,
        env_prefix: str | None = None,
        env_nested_delimiter: str | None = None,
        env_parse_none_str: str | None = None,
        **options: Any,
    ) -> None:
        self.services: tuple[str, ...] = (services,) if isinstance(services, str) else tuple(services)
        self.backend = backend
        options = dict(options)
        _alias_option(options, "region", region_name, "region_name")
        if endpoint_url is not None:
            _alias_option(options, "ssm_endpoint", endpoint_url, "endpoint_url")
            _alias_option(options, "secretsmanager_endpoint", endpoint_url, "endpoint_url")
        self.options: dict[str, Any] = options
        self._chamber_vars: Mapping[str, str | None] | None = None
        super().__init__(settings_cls, case_sensitive=case_sensitive, env_prefix=env_prefix,
                         env_nested_delimiter=env_nested_delimiter, env_parse_none_str=env_parse_none_str)
        self.nested_delimiter = self.env_nested_delimiter or PATH_DELIMITER
        if not self.env_nested_delimiter and self._nested_fields(settings_cls, 0):
            self.env_nested_delimiter = PATH_DELIMITER

    # EnvSettingsSource reads ``self.env_vars`` (set from ``_load_env_vars()`` in its
    # constructor); here it is fetched on first use instead.
    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {}

    @property
    def env_vars(self) -> Mapping[str, str | None]:
        """The services' variables, keyed as the matching expects (lower-cased unless
        case-sensitive), fetched on first access."""
        if self._chamber_vars is None:
            self._chamber_vars = parse_env_vars(
                self.fetch(), self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
            )
        return self._chamber_vars

    @env_vars.setter
    def env_vars(self, value: Mapping[str, str | None]) -> None:
        """Ignored: the base constructor assigns its (empty) load; the fetch stays lazy."""

    def fetch(self) -> dict[str, str]:
        """Every name the services' secrets are offered under: ``exec``'s variables
        (``DB_HOST``), the keys as stored (``db-host``), and the nested models' segments
        (``db/port``). Calls the store every time; the source itself calls it once."""
        from pychamber import api
        from pychamber.errors import ChamberError
        from pychamber.model import key_of

        if not self.services:
            raise ChamberError(api.NO_SERVICES)
        said: list[str] = []
        request = api.prepare(api.settings_for(self.backend, **self.options), self.services, said.append)
        store = request.store
        state, _ = request.environment({}, said.append)
        for message in said:
            _warn_user(message)
        found: dict[str, str] = {}
        for name, source in state.sources.items():
            found.setdefault(key_of(source.key), state.env[name])
        found.update(state.env)  # exec's names win where a key is spelt as its variable
        self._fetch_nested(store, self.settings_cls, [], found, 0)
        return found

    def _fetch_nested(self, store: "Store", model: type[BaseModel], path: list[str],
                      found: dict[str, str], depth: int) -> None:
        """For each nested model field of ``model``, the services one segment deeper: their
        keys offered as ``segment<delimiter>key`` (and exec's names the same way)."""
        from pychamber import api, names
        from pychamber.errors import ChamberError, SecretNotFound
        from pychamber.model import key_of

        for segment, inner in self._nested_fields(model, depth, top=not path):
            here = [*path, segment]
            services = [names.go_lower("/".join([s, *here])) for s in self.services]
            try:
                listings = list(api.fetch(store, services))
            except SecretNotFound:
                listings = []
            except ChamberError as e:
                if getattr(e, "code", None) in ("ResourceNotFoundException", "NoSuchKey"):
                    listings = []
                else:
                    raise
            prefix = self.nested_delimiter.join(here) + self.nested_delimiter
            for listing in listings:
                for secret in listing:
                    key = key_of(secret.key)
                    found[prefix + key] = secret.value
                    found[prefix.upper() + names.exec_env_name(key)] = secret.value
            self._fetch_nested(store, inner, here, found, depth + 1)

    def _nested_fields(self, model: type[BaseModel], depth: int,
                       top: bool = True) -> list[tuple[str, type[BaseModel]]]:
        """(segment, model) for each field of ``model`` holding a pydantic model: the segment
        is the field's name (with the prefix on the outermost level) or its string alias."""
        if depth >= _MAX_DEPTH:
            return []
        out = []
        for field_name, field in model.model_fields.items():
            inner = _model_of(field)
            if inner is None:
                continue
            alias = field.validation_alias if isinstance(field.validation_alias, str) else field.alias
            segment = alias or ((self.env_prefix if top else "") + field_name)
            out.append((segment if self.case_sensitive else segment.lower(), inner))
        return out

    def __call__(self) -> dict[str, Any]:
        # Fetch before the per-field loop, so that a store's error reaches the caller as the
        # ChamberError it is (the loop would wrap it in a SettingsError naming one field).
        self.env_vars  # noqa: B018
        return super().__call__()

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(services={list(self.services)!r}, "
                f"backend={self.backend!r}, env_prefix={self.env_prefix!r})")


def _alias_option(options: dict[str, Any], ours: str, value: Any, theirs: str) -> None:
    """Put pydantic-settings' keyword ``theirs`` into ``options`` as pychamber's ``ours``."""
    if value is None:
        return
    if options.get(ours) not in (None, value):
        raise TypeError(f"{theirs} and {ours} are the same option: give one")
    options[ours] = value


def _model_of(field: "FieldInfo") -> type[BaseModel] | None:
    """The pydantic model a field holds (``Db``, ``Optional[Db]``, ``Db | None``), or None."""
    annotation = field.annotation
    candidates = [annotation]
    if typing.get_origin(annotation) is not None:
        candidates = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(candidates) != 1:
            return None
    inner = candidates[0]
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return inner
    return None


def _warn_user(message: str) -> None:
    """A :class:`~pychamber.errors.ChamberWarning` attributed to the first frame outside
    pychamber and pydantic: the user's ``Settings()`` line."""
    from pychamber.errors import ChamberWarning

    level = 1
    frame: FrameType | None = sys._getframe(0)
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] in _INTERNAL:
        frame = frame.f_back
        level += 1
    warnings.warn(message, ChamberWarning, stacklevel=level)
