"""The store factory: picks a backend by Settings. Backend modules are imported lazily so that
commands which never touch a store (help, version) import nothing heavy."""

from __future__ import annotations

from pychamber.errors import ChamberError
from pychamber.settings import BACKENDS, Settings
from pychamber.stores.base import Store


def get_store(settings: Settings) -> Store:
    backend = settings.backend
    if backend not in BACKENDS:
        raise ChamberError(f"invalid backend `{backend}`")
    retries = settings.retries  # may raise "Cannot parse $CHAMBER_RETRIES ..."
    if backend == "NULL":
        from pychamber.stores.null import NullStore

        return NullStore()
    if backend == "LOCAL":
        from pychamber.stores.local import LocalStore

        return LocalStore.from_settings(settings)
    if backend == "SSM":
        if settings.kms_key_alias_given:
            raise ChamberError(
                "Unable to use --kms-key-alias with this backend. Use CHAMBER_KMS_KEY_ALIAS instead."
            )
        if settings.retry_mode not in ("standard", "adaptive"):
            raise ChamberError(f"Invalid retry mode {settings.retry_mode}")
        from pychamber.stores.ssm import SSMStore

        return SSMStore.from_settings(settings, retries)
    if backend == "SECRETSMANAGER":
        try:
            from pychamber.stores.secretsmanager import SecretsManagerStore  # type: ignore
        except ImportError:
            raise _unavailable(backend) from None
        return SecretsManagerStore.from_settings(settings, retries)
    # S3 / S3-KMS
    if backend == "S3" and settings.kms_key_alias_given:
        raise ChamberError("Unable to use --kms-key-alias with this backend.")
    if not settings.s3_bucket:
        raise ChamberError("Must set bucket for s3 backend")
    try:
        from pychamber.stores.s3 import S3Store  # type: ignore
    except ImportError:
        raise _unavailable(backend) from None
    return S3Store.from_settings(settings, retries, kms=backend == "S3-KMS")


def _unavailable(backend: str) -> ChamberError:
    return ChamberError(f"backend `{backend}` is not available in this version of pychamber yet")
