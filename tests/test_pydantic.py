"""pychamber.pydantic: chamber's secrets as a pydantic-settings source, on a real local store
under tmp_path (no AWS, no keyring)."""

from __future__ import annotations

import base64
import importlib
import os
import sys
from typing import Optional

import pytest
from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

import pychamber
from pychamber import api
from pychamber.pydantic import ChamberSettingsSource

KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(autouse=True)
def local_backend(monkeypatch, tmp_path):
    """Only this test's database: no inherited CHAMBER_*/PYCHAMBER_*/APP_* variables, a fixed
    data key (so the keyring is never consulted), the local backend selected by CHAMBER_*."""
    for name in list(os.environ):
        if name.startswith(("CHAMBER_", "PYCHAMBER_", "APP_", "AWS_")) or name in (
                "TOKEN", "DSN", "SENTRY_DSN", "DB", "DB__HOST", "DB__PORT", "DB_PASSWORD", "PORT",
                "MIXED_CASE", "SVC_MIXED_CASE"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("PYCHAMBER_LOCAL_KEY", KEY)
    monkeypatch.setenv("CHAMBER_SECRET_BACKEND", "local")
    monkeypatch.setenv("PYCHAMBER_LOCAL_PATH", str(tmp_path / "secrets.db"))


@pytest.fixture
def calls(monkeypatch):
    """Every fetch the source makes: (services, backend and options), passed through."""
    seen: list[tuple[tuple[str, ...], dict]] = []
    options: dict = {}
    real_settings_for, real_assemble = api.settings_for, api.assemble

    def settings_for(backend=None, **kwargs):
        options.clear()
        options.update(backend=backend, **kwargs)
        return real_settings_for(backend, **kwargs)

    def assemble(settings, store, services, *args):
        seen.append((tuple(services), dict(options)))
        return real_assemble(settings, store, services, *args)

    monkeypatch.setattr(api, "settings_for", settings_for)
    monkeypatch.setattr(api, "assemble", assemble)
    return seen


def put(service: str, secrets: dict[str, str], **options) -> None:
    store = pychamber.open_store(**options)
    for key, value in secrets.items():
        store.write(pychamber.SecretId(service, key), value)


class AppSettings(BaseSettings):
    """What the README shows: the source right after env_settings."""

    model_config = SettingsConfigDict(env_prefix="APP_")

    db_password: SecretStr
    port: int = 8000
    name: str = "default-name"
    hosts: list[str] = []
    api_token: str = Field(default="no-token", alias="TOKEN")  # aliases take no env_prefix
    sentry_dsn: Optional[str] = Field(default=None, validation_alias=AliasChoices("SENTRY_DSN", "DSN"))

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        chamber = ChamberSettingsSource(settings_cls, services=["web", "shared"])
        return init_settings, env_settings, chamber, dotenv_settings, file_secret_settings


WEB = {
    "app_db_password": "hunter2",
    "app_port": "8080",
    "app_hosts": '["a.example", "b.example"]',
    "token": "t0k3n",
    "app_token": "not-this-one",  # the alias is looked up without the prefix
    "dsn": "https://sentry.example/1",
}


def test_fields_are_read_from_the_services():
    put("web", WEB)
    put("shared", {"app_name": "from-shared"})
    s = AppSettings()
    assert s.db_password.get_secret_value() == "hunter2"
    assert str(s.db_password) == "**********"
    assert s.port == 8080
    assert s.name == "from-shared"
    assert s.hosts == ["a.example", "b.example"]
    assert s.api_token == "t0k3n"
    assert s.sentry_dsn == "https://sentry.example/1"


def test_one_fetch_for_all_fields_and_nothing_before_first_use(calls):
    put("web", WEB)
    AppSettings()
    assert calls == [(("web", "shared"), {"backend": None})]

    source = ChamberSettingsSource(AppSettings, services=["web"])
    assert len(calls) == 1  # building the source reads nothing
    first = source()
    assert source() == first
    assert len(calls) == 2  # one more fetch for the new source, then none
    assert first["db_password"] == "hunter2" and first["TOKEN"] == "t0k3n"


def test_the_environment_and_init_arguments_win(monkeypatch):
    put("web", WEB)
    monkeypatch.setenv("APP_PORT", "9090")
    monkeypatch.setenv("TOKEN", "from-env")
    s = AppSettings()
    assert (s.port, s.api_token) == (9090, "from-env")
    assert s.db_password.get_secret_value() == "hunter2"  # the rest still from chamber
    assert AppSettings(port=1).port == 1


def test_later_services_win_with_chambers_warning():
    put("web", WEB)
    put("shared", {"app_port": "7070"})
    with pytest.warns(pychamber.ChamberWarning, match="service shared overwriting environment variable APP_PORT"):
        s = AppSettings()
    assert s.port == 7070


def test_missing_secrets_fall_back_to_defaults_or_fail_validation():
    put("web", {"app_db_password": "hunter2"})
    s = AppSettings()
    assert (s.port, s.name, s.hosts, s.api_token, s.sentry_dsn) == (
        8000, "default-name", [], "no-token", None)

    put("web", {"app_port": "eighty"})
    with pytest.raises(ValidationError) as e:
        AppSettings()
    assert {(err["loc"], err["type"]) for err in e.value.errors()} == {(("port",), "int_parsing")}


def test_required_field_not_stored_is_pydantics_missing_error():
    put("web", {"app_port": "8080"})
    with pytest.raises(ValidationError) as e:
        AppSettings()
    assert [(err["loc"], err["type"]) for err in e.value.errors()] == [(("db_password",), "missing")]


def test_bad_json_in_a_complex_field_is_a_settings_error_as_from_the_environment(monkeypatch):
    put("web", {"app_db_password": "x", "app_hosts": "[not json"})
    with pytest.raises(SettingsError, match='field "hosts" from source "ChamberSettingsSource"'):
        AppSettings()
    # the same value in the environment fails the same way in pydantic-settings' own source
    monkeypatch.setenv("APP_HOSTS", "[not json")
    with pytest.raises(SettingsError, match='field "hosts" from source "EnvSettingsSource"'):
        AppSettings()


def test_a_store_error_reaches_the_caller_as_chamber_error(monkeypatch):
    put("web", WEB)
    monkeypatch.setenv("PYCHAMBER_LOCAL_KEY", base64.b64encode(bytes(32)).decode())
    with pytest.raises(pychamber.ChamberError, match="wrong data key") as e:
        AppSettings()
    assert not isinstance(e.value, SettingsError)
    assert "hunter2" not in str(e.value)


class Db(BaseModel):
    host: str
    port: int


def make(services, **kwargs):
    """A settings class whose chamber source has ``kwargs`` (backend and options)."""
    config = kwargs.pop("model_config", SettingsConfigDict())

    class Nested(BaseSettings):
        model_config = config
        db: Optional[Db] = None
        Mixed_Case: str = "unset"

        @classmethod
        def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                       dotenv_settings, file_secret_settings):
            return (init_settings, env_settings,
                    ChamberSettingsSource(settings_cls, services, **kwargs))

    return Nested


def test_backend_and_options_override_the_chamber_variables(tmp_path, monkeypatch, calls):
    other = tmp_path / "other.db"
    put("web", {"mixed_case": "from-env-db"})
    put("web", {"mixed_case": "from-option-db"}, backend="local", local_path=other)
    monkeypatch.setenv("CHAMBER_SECRET_BACKEND", "null")
    assert make("web")().Mixed_Case == "unset"  # the null store holds nothing
    assert make("web", backend="local", local_path=other)().Mixed_Case == "from-option-db"
    assert calls[-1] == (("web",), {"backend": "local", "local_path": other})


def test_case_sensitive_true_is_honoured():
    put("web", {"mixed_case": "yes"})
    assert make(["web"])().Mixed_Case == "yes"  # case-insensitive by default
    strict = make(["web"], model_config=SettingsConfigDict(case_sensitive=True))
    assert strict().Mixed_Case == "unset"  # neither the key "mixed_case" nor MIXED_CASE

    class Exact(BaseSettings):
        model_config = SettingsConfigDict(case_sensitive=True)
        mixed_case: str = "unset"  # the key as stored
        MIXED_CASE: str = "unset"  # exec's variable
        Mixed_Case: str = "unset"

        @classmethod
        def settings_customise_sources(cls, settings_cls, **sources):
            return (ChamberSettingsSource(settings_cls, "web"),)

    got = Exact()
    assert (got.mixed_case, got.MIXED_CASE, got.Mixed_Case) == ("yes", "yes", "unset")
    # the source's own argument wins over the model's
    loose = ChamberSettingsSource(Exact, "web", case_sensitive=False)()
    assert loose["Mixed_Case"] == "yes"


def test_an_alias_equal_to_the_stored_key_matches():
    put("web", {"db-host": "h.example", "api.token": "t"})

    class Aliased(BaseSettings):
        db_host: str = Field("unset", validation_alias="db-host")
        token: str = Field("unset", alias="api.token")
        DB_HOST: str = "unset"  # exec's name for the same key

        @classmethod
        def settings_customise_sources(cls, settings_cls, **sources):
            return (ChamberSettingsSource(settings_cls, ["web"]),)

    got = Aliased()
    assert (got.db_host, got.token, got.DB_HOST) == ("h.example", "t", "h.example")


class Pool(BaseModel):
    size: int = 1


class DbWithPool(BaseModel):
    host: str
    port: int
    pool: Pool = Pool()


def test_nested_models_from_path_segments(calls):
    """/web/db/port into db.port, /web/db/pool/size into db.pool.size, as pydantic-settings'
    own Parameter Store source does (it reads /web recursively)."""
    put("web", {"db_password": "x"})
    put("web/db", {"host": "db.example", "port": "5432"})
    put("web/db/pool", {"size": "7"})

    class Paths(BaseSettings):
        db: DbWithPool
        db_password: str

        @classmethod
        def settings_customise_sources(cls, settings_cls, **sources):
            return (ChamberSettingsSource(settings_cls, ["web"]),)

    got = Paths()
    assert got.db == DbWithPool(host="db.example", port=5432, pool=Pool(size=7))
    assert got.db_password == "x"
    # one fetch of the services, then one per nested model (and no more on the same source)
    assert [services for services, _ in calls] == [("web",)]

    # a later service's nested values win, as its top-level ones do
    put("shared/db", {"port": "6000"})

    class Two(Paths):
        @classmethod
        def settings_customise_sources(cls, settings_cls, **sources):
            return (ChamberSettingsSource(settings_cls, ["web", "shared"]),)

    assert Two().db.port == 6000


def test_pydantic_settings_keyword_names_and_ours(calls):
    source = ChamberSettingsSource(AppSettings, "web", region_name="eu-west-1",
                                   endpoint_url="http://127.0.0.1:1")
    assert source.options == {"region": "eu-west-1", "ssm_endpoint": "http://127.0.0.1:1",
                              "secretsmanager_endpoint": "http://127.0.0.1:1"}
    ours = ChamberSettingsSource(AppSettings, "web", region="eu-west-1", ssm_endpoint="http://x")
    assert ours.options == {"region": "eu-west-1", "ssm_endpoint": "http://x"}
    with pytest.raises(TypeError, match="region_name and region are the same option"):
        ChamberSettingsSource(AppSettings, "web", region_name="a", region="b")


def test_the_warning_points_at_the_users_line():
    put("web", WEB)
    put("shared", {"app_port": "7070"})
    with pytest.warns(pychamber.ChamberWarning) as seen:
        AppSettings()  # this line
    assert [(w.filename, w.lineno) for w in seen] == [(__file__, _line_of("AppSettings()  # this line"))]


def _line_of(text: str) -> int:
    with open(__file__) as f:
        return next(i for i, line in enumerate(f, 1) if line.strip() == text)


def test_nested_models_from_json_or_from_the_nested_delimiter():
    put("web", {"db": '{"host": "db.example", "port": 5432}'})
    assert make(["web"])().db == Db(host="db.example", port=5432)

    put("split", {"db__host": "h.example", "db__port": "6543"})
    nested = make(["split"], model_config=SettingsConfigDict(env_nested_delimiter="__"))
    assert nested().db == Db(host="h.example", port=6543)
    assert make(["split"])().db is None  # without the delimiter those are unrelated names


def test_env_prefix_argument_overrides_the_models():
    put("web", {"svc_mixed_case": "prefixed", "mixed_case": "bare"})
    assert make(["web"], env_prefix="SVC_")().Mixed_Case == "prefixed"
    assert make(["web"])().Mixed_Case == "bare"


def test_repr_names_the_services_not_the_values():
    put("web", WEB)
    source = ChamberSettingsSource(AppSettings, services="web", backend="local")
    source()
    assert repr(source) == "ChamberSettingsSource(services=['web'], backend='local', env_prefix='APP_')"


def test_import_without_pydantic_settings_says_what_to_install(monkeypatch):
    monkeypatch.delitem(sys.modules, "pychamber.pydantic")
    monkeypatch.setitem(sys.modules, "pydantic_settings", None)
    with pytest.raises(ImportError, match=r"needs pydantic-settings: pip install pydantic-settings$"):
        importlib.import_module("pychamber.pydantic")


# --- the example of the module's docstring (and the README), verbatim ----------------------
class Settings(BaseSettings):
    db_password: SecretStr              # secret "db_password" -> DB_PASSWORD
    port: int = 8000

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        chamber = ChamberSettingsSource(settings_cls, services=["web", "shared"])
        return init_settings, env_settings, chamber, dotenv_settings, file_secret_settings


def test_the_documented_example(monkeypatch):
    put("web", {"db_password": "hunter2"})
    put("shared", {"port": "8080"})
    settings = Settings()
    assert (settings.db_password.get_secret_value(), settings.port) == ("hunter2", 8080)
    monkeypatch.setenv("PORT", "9000")
    assert Settings().port == 9000


def test_side_by_side_with_pydantic_settings_own_parameter_store_source(moto_server, ssm_client, monkeypatch):
    """The same parameters, the same model: pydantic-settings' AWSSystemsManagerSettingsSource
    (boto3, one recursive path) and this source (chamber's services) fill it alike, both given
    the keyword names region_name and endpoint_url."""
    from pydantic_settings import AWSSystemsManagerSettingsSource

    import conftest

    conftest._reset(moto_server)
    for name, value in {"/web/db_password": "pw", "/web/db/host": "db.example", "/web/db/port": "5432",
                        "/web/db/pool/size": "3"}.items():
        ssm_client.put_parameter(Name=name, Value=value, Type="SecureString", Description="1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    aws = {"region_name": conftest.REGION, "endpoint_url": moto_server}

    class Theirs(BaseSettings):
        db: DbWithPool
        db_password: SecretStr

        @classmethod
        def settings_customise_sources(cls, settings_cls, **sources):
            return (AWSSystemsManagerSettingsSource(settings_cls, ssm_path="/web", **aws),)

    class Ours(Theirs):
        @classmethod
        def settings_customise_sources(cls, settings_cls, **sources):
            return (ChamberSettingsSource(settings_cls, "web", backend="ssm", **aws),)

    theirs, ours = Theirs(), Ours()
    assert ours.db == theirs.db == DbWithPool(host="db.example", port=5432, pool=Pool(size=3))
    assert ours.db_password.get_secret_value() == theirs.db_password.get_secret_value() == "pw"
