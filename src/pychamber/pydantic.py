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

Each field is looked up under chamber's variable name for it: a secret ``db_password`` of
service ``web`` is ``DB_PASSWORD``, exactly as ``exec`` names it (later services win). Field
names, string aliases and ``validation_alias`` choices match those names case-insensitively,
with the model's ``env_prefix`` in front, the way pydantic-settings' environment source matches
variables when ``case_sensitive=False`` (chamber's names carry no case of their own, so a
model's ``case_sensitive=True`` is not applied here). Everything else is that source's
behaviour, reused rather than rewritten: complex fields (lists, dicts, models) are JSON-decoded,
``env_nested_delimiter``, ``env_ignore_empty`` and ``env_parse_none_str`` apply, ``SecretStr``
fields receive the value as any string field does.

The services are fetched once per source, on first use, with one :func:`pychamber.env` call:
``settings_customise_sources`` builds a new source for each ``Settings()``, so each
instantiation fetches once (wrap it in ``functools.lru_cache`` to fetch once per process). The
backend and its options are :func:`pychamber.env`'s: ``backend=`` and keyword options
(``region``, ``local_path``...) override the ``CHAMBER_*`` variables. A store that cannot be
read raises :class:`pychamber.ChamberError` out of ``Settings()``; a secret that is not stored
simply leaves its field to the later sources and the field's default (or pydantic's "Field
required" error).

Needs the optional dependency: ``pip install 'pychamber[pydantic]'``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

try:
    from pydantic_settings import EnvSettingsSource
    from pydantic_settings.sources.utils import parse_env_vars
except ImportError as e:  # pragma: no cover - exercised with pydantic_settings hidden
    raise ImportError(
        "pychamber.pydantic needs pydantic-settings: pip install 'pychamber[pydantic]'"
    ) from e

if TYPE_CHECKING:  # pragma: no cover
    from pydantic_settings import BaseSettings

__all__ = ["ChamberSettingsSource"]


class ChamberSettingsSource(EnvSettingsSource):
    """A pydantic-settings source reading chamber services' secrets, named as ``exec`` names
    them.

    :param settings_cls: the settings class (``settings_customise_sources``' ``settings_cls``).
    :param services: the services to load, in ``exec``'s order (later services win); one
        service may be given as a plain string.
    :param backend: ``ssm``, ``secretsmanager``, ``s3``, ``s3-kms``, ``local`` or ``null``;
        default ``$CHAMBER_SECRET_BACKEND``, else SSM.
    :param env_prefix: put in front of every field's name or alias; default the model's
        ``env_prefix``.
    :param options: :func:`pychamber.env`'s keyword options: ``region``, ``kms_key_alias``,
        ``retries``, ``retry_mode``, ``bucket``, ``local_path``, ``ssm_endpoint``,
        ``secretsmanager_endpoint``, ``verbose``.

    Building the source reads nothing: the store is read when the source is first called.
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        services: Sequence[str] | str,
        backend: str | None = None,
        *,
        env_prefix: str | None = None,
        **options: Any,
    ) -> None:
        self.services: tuple[str, ...] = (services,) if isinstance(services, str) else tuple(services)
        self.backend = backend
        self.options: dict[str, Any] = dict(options)
        self._chamber_vars: Mapping[str, str | None] | None = None
        super().__init__(settings_cls, case_sensitive=False, env_prefix=env_prefix)

    # EnvSettingsSource reads ``self.env_vars`` (set from ``_load_env_vars()`` in its
    # constructor); here it is fetched on first use instead.
    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {}

    @property
    def env_vars(self) -> Mapping[str, str | None]:
        """The services' variables, keyed as the matching expects (lower-cased), fetched on
        first access."""
        if self._chamber_vars is None:
            self._chamber_vars = parse_env_vars(
                self.fetch(), self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
            )
        return self._chamber_vars

    @env_vars.setter
    def env_vars(self, value: Mapping[str, str | None]) -> None:
        """Ignored: the base constructor assigns its (empty) load; the fetch stays lazy."""

    def fetch(self) -> dict[str, str]:
        """The services' variables as :func:`pychamber.env` gives them (``DB_PASSWORD``...).
        Calls the store every time; the source itself calls it once."""
        from pychamber import api

        return api.env(*self.services, backend=self.backend, **self.options)

    def __call__(self) -> dict[str, Any]:
        # Fetch before the per-field loop, so that a store's error reaches the caller as the
        # ChamberError it is (the loop would wrap it in a SettingsError naming one field).
        self.env_vars  # noqa: B018
        return super().__call__()

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(services={list(self.services)!r}, "
                f"backend={self.backend!r}, env_prefix={self.env_prefix!r})")
