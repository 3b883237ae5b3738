"""Global flags and CHAMBER_* / PYCHAMBER_* variables, resolved into one Settings object."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Mapping

from pychamber.errors import ChamberError

DEFAULT_KMS_KEY_ALIAS = "alias/parameter_store_key"
DEFAULT_RETRIES = 10
DEFAULT_WRITE_RATE = 3.0
BACKENDS = ("NULL", "SSM", "SECRETSMANAGER", "S3", "S3-KMS", "LOCAL")


@dataclass
class Settings:
    """What the global flags said (``None`` = flag not given) plus the environment."""

    backend_flag: str | None = None
    s3_bucket_flag: str | None = None
    kms_key_alias_flag: str | None = None
    retries_flag: int | None = None
    retry_mode: str = "standard"
    verbose: bool = False
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    #: Where lines meant for the user's stderr go (``--verbose`` debug lines, notices such as
    #: "created a new data key"). The CLI points it at its console; ``None`` (the library)
    #: sends them to the ``pychamber`` logger. Settings and stores never write to a stream.
    report: Callable[[str], None] | None = field(default=None, repr=False, compare=False)
    #: Asks the user for a line without echo (an assume-role MFA code); ``None`` when there is
    #: no terminal to ask on (the library, a container): the caller must then fail at once.
    prompt: Callable[[str], str] | None = field(default=None, repr=False, compare=False)

    def say(self, line: str) -> None:
        """Tell the user one line (no trailing newline): on the CLI's stderr, or the
        ``pychamber`` logger (level INFO) for library users. Never pass a secret value."""
        if self.report is not None:
            self.report(line + "\n")
        else:
            import logging

            logging.getLogger("pychamber").info(line)

    # --- resolved values ----------------------------------------------------------------
    @property
    def backend(self) -> str:
        """Upper-cased backend name: the flag, else non-empty CHAMBER_SECRET_BACKEND, else SSM."""
        if self.backend_flag is not None:
            return self.backend_flag.upper()
        env = self.environ.get("CHAMBER_SECRET_BACKEND", "")
        return env.upper() if env else "SSM"

    @property
    def s3_bucket(self) -> str:
        if self.s3_bucket_flag is not None:
            return self.s3_bucket_flag
        return self.environ.get("CHAMBER_S3_BUCKET", "")

    @property
    def retries(self) -> int:
        if self.retries_flag is not None:
            return self.retries_flag
        env = self.environ.get("CHAMBER_RETRIES", "")
        if env:
            try:
                return int(env, 10)
            except ValueError:
                raise ChamberError("Cannot parse $CHAMBER_RETRIES to an integer.") from None
        return DEFAULT_RETRIES

    @property
    def write_rate(self) -> float:
        """Bulk writes (import) per second: ``PYCHAMBER_WRITE_RATE``, default 3 (Parameter
        Store's PutParameter quota is low); 0 turns pacing off."""
        env = self.environ.get("PYCHAMBER_WRITE_RATE", "")
        if not env:
            return DEFAULT_WRITE_RATE
        try:
            rate = float(env)
        except ValueError:
            rate = -1.0
        if not rate >= 0:
            raise ChamberError("Cannot parse $PYCHAMBER_WRITE_RATE to a number of writes per second.")
        return rate

    @property
    def kms_key_alias_given(self) -> bool:
        """True when ``--kms-key-alias`` was given with a non-default value."""
        return self.kms_key_alias_flag is not None and self.kms_key_alias_flag != DEFAULT_KMS_KEY_ALIAS

    @property
    def ssm_kms_key_alias(self) -> str:
        """SSM's KeyId: CHAMBER_KMS_KEY_ALIAS when it *exists* (even empty), ``alias/`` prepended."""
        if "CHAMBER_KMS_KEY_ALIAS" in self.environ:
            return _with_alias_prefix(self.environ["CHAMBER_KMS_KEY_ALIAS"])
        return DEFAULT_KMS_KEY_ALIAS

    @property
    def s3_kms_key_alias(self) -> str:
        """S3-KMS: the flag, else non-empty CHAMBER_KMS_KEY_ALIAS, else the default."""
        if self.kms_key_alias_flag is not None:
            return _with_alias_prefix(self.kms_key_alias_flag)
        env = self.environ.get("CHAMBER_KMS_KEY_ALIAS", "")
        return _with_alias_prefix(env) if env else DEFAULT_KMS_KEY_ALIAS


def _with_alias_prefix(alias: str) -> str:
    return alias if alias.startswith("alias/") else "alias/" + alias


def debug(settings: Settings | None, msg: str, **fields: object) -> None:
    """A ``--verbose`` line on stderr in slog's text format. Never pass a secret value here."""
    if settings is None or not settings.verbose:
        return
    from datetime import datetime

    now = datetime.now().astimezone().isoformat(timespec="milliseconds")
    parts = [f"time={now}", "level=DEBUG", f"msg={_slog_quote(msg)}"]
    parts += [f"{k}={_slog_quote(str(v))}" for k, v in fields.items()]
    settings.say(" ".join(parts))


def _slog_quote(s: str) -> str:
    if s and all(c.isprintable() and c not in ' ="' for c in s):
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
