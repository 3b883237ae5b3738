"""Global flags and CHAMBER_* / PYCHAMBER_* variables, resolved into one Settings object."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

from pychamber.errors import ChamberError

DEFAULT_KMS_KEY_ALIAS = "alias/parameter_store_key"
DEFAULT_RETRIES = 10
DEFAULT_WRITE_RATE = 3.0
BACKENDS = ("NULL", "SSM", "SECRETSMANAGER", "S3", "S3-KMS", "LOCAL")


# --- the one table of flags ----------------------------------------------------------------------
@dataclass(frozen=True)
class Flag:
    """One command-line flag: its spellings, where its value goes and what it takes.

    ``scope`` is ``"global"`` (cobra's persistent flags: accepted anywhere before ``--``, by
    every command) or the command it belongs to. ``dest`` is the ``Settings`` field a global
    flag fills, or the keyword argument of the command. ``fast`` says whether the typer-free
    exec parser may take it (a flag with side effects of its own, such as a deprecation
    warning, is left to the full CLI). The typer declarations, the hoisting of global flags,
    the fast exec parser and the shell completions all read this table."""

    dest: str
    names: tuple[str, ...]
    takes_value: bool
    help: str = ""
    scope: str = "global"
    type: type = str
    default: object = None
    hidden: bool = False
    fast: bool = True
    #: What chamber's usage block shows: pflag's type (``int``, ``duration``; else from
    #: ``type``) and its default as Go prints it, where ``default`` is None only so that a flag
    #: left out can be told from one given (``--retries``: ``10``).
    pflag_type: str = ""
    shown_default: str | None = None
    #: pflag's NoOptDefVal: the value of a value flag given alone (``--flatten`` is
    #: ``--flatten=_``); it then never takes the next word as its value
    no_opt_default: str | None = None


TIER_HELP = ("SSM parameter tier: standard (values up to 4096 bytes, the default), advanced (8192) "
             "or intelligent-tiering")

FLAGS: tuple[Flag, ...] = (
    # The help texts are chamber's (cmd/root.go), as its usage block prints them.
    Flag("backend_flag", ("-b", "--backend"), True,
         "Backend to use; AKA $CHAMBER_SECRET_BACKEND\n"
         "\tnull: no-op\n"
         "\tssm: SSM Parameter Store\n"
         "\tsecretsmanager: Secrets Manager\n"
         "\ts3: S3; requires --backend-s3-bucket\n"
         "\ts3-kms: S3 using AWS-KMS encryption; requires --backend-s3-bucket and --kms-key-alias "
         "set (if you want to write or delete keys).\n"
         "\tlocal: an encrypted SQLite database on this machine (pychamber only)",
         shown_default="ssm"),
    Flag("s3_bucket_flag", ("--backend-s3-bucket",), True,
         "bucket for S3 backend; AKA $CHAMBER_S3_BUCKET"),
    Flag("kms_key_alias_flag", ("--kms-key-alias",), True,
         "KMS Key Alias for writing and deleting secrets; AKA $CHAMBER_KMS_KEY_ALIAS. This option "
         "is currently only supported for the S3-KMS backend.", shown_default=DEFAULT_KMS_KEY_ALIAS),
    Flag("retries_flag", ("-r", "--retries"), True,
         "For SSM or Secrets Manager, the number of retries we'll make before giving up; "
         "AKA $CHAMBER_RETRIES", type=int, shown_default="10"),
    Flag("retry_mode", ("--retry-mode",), True,
         "For SSM, the model used to retry requests\n  standard\n  adaptive", default="standard"),
    Flag("min_throttle_delay", ("--min-throttle-delay",), True,
         "DEPRECATED and no longer has any effect. Use retry-mode instead", hidden=True, fast=False,
         pflag_type="duration", shown_default="0s"),
    Flag("verbose", ("--verbose",), False, "Print more information to STDERR", type=bool,
         default=False),
    # read, write, import
    Flag("exact_key", ("--exact-key",), False,
         "Prevent normalization of the provided key in order to read a key written with other "
         "casing (as delete --exact-key)", scope="read", type=bool, default=False),
    Flag("tier", ("--tier",), True, TIER_HELP, scope="write"),
    Flag("preserve_case", ("--preserve-case",), False,
         "store the key exactly as given, capitals included (chamber lower-cases it; read it back "
         "with read --exact-key)", scope="write", type=bool, default=False),
    Flag("tier", ("--tier",), True, TIER_HELP, scope="import"),
    # exec
    Flag("pristine", ("--pristine",), False,
         "only use variables retrieved from the backend; do not inherit existing environment "
         "variables", scope="exec", type=bool, default=False),
    Flag("strict", ("--strict",), False,
         "enable strict mode:\nonly inject secrets for which there is a corresponding env var with "
         "value\n<strict-value>, and fail if there are any env vars with that value missing\nfrom "
         "secrets", scope="exec", type=bool, default=False),
    Flag("strict_value", ("--strict-value",), True, "value to expect in --strict mode",
         scope="exec", default="chamberme"),
    Flag("files", ("--files",), True,
         "write the secrets as files in this directory (one per key, mode 0400) and give the "
         "command NAME_FILE=DIR/key variables instead of the values", scope="exec"),
    Flag("watch", ("--watch",), False,
         "keep running: restart (or signal) the command when a secret changes", scope="exec",
         type=bool, default=False),
    Flag("watch_interval", ("--watch-interval",), True,
         "how often --watch looks for changes (Go duration, +-20% jitter)", scope="exec",
         default="60s"),
    Flag("on_change", ("--on-change",), True,
         "what --watch does on a change: restart, or signal:SIG (with --files)", scope="exec",
         default="restart"),
    Flag("grace", ("--grace",), True,
         "how long a restart waits for the command to stop before killing it", scope="exec",
         default="10s"),
    Flag("stop_signal", ("--stop-signal",), True, "the signal that stops the command on a restart",
         scope="exec", default="TERM"),
    Flag("splay", ("--splay",), True,
         "wait a random time up to this before acting on a change (spreads a fleet)",
         scope="exec", default="0s"),
    Flag("init", ("--init",), False,
         "supervise the command as a correct PID 1: forward signals, reap orphans",
         scope="exec", type=bool, default=False),
    Flag("no_warn_conflicts", ("--no-warn-conflicts",), False,
         "no warning when a later service overrides a variable of an earlier one", scope="exec",
         type=bool, default=False),
    Flag("strict_services", ("--strict-services",), False,
         "refuse to run when a service has no secrets at all (a misspelt name) instead of "
         "running the command without them", scope="exec", type=bool, default=False),
    Flag("dry_run", ("--dry-run",), False,
         "print the variables that would be set (name, service, key, version; never a value) "
         "instead of running the command", scope="exec", type=bool, default=False),
    Flag("release", ("--release",), True,
         "read the services' current release (or, with --release=N, release N of each) from "
         "$PYCHAMBER_RELEASE_BUCKET instead of the store (no Parameter Store call)",
         scope="exec", no_opt_default="current"),
    Flag("release", ("--release",), True,
         "read the services' current release (or, with --release=N, release N of each) from "
         "$PYCHAMBER_RELEASE_BUCKET instead of the store", scope="materialize",
         no_opt_default="current"),
    # import
    Flag("flatten", ("--flatten",), True,
         "JSON/YAML: store nested maps as keys joined by SEP (db: {host: h} -> db_host); "
         "--flatten alone joins with _", scope="import", no_opt_default="_"),
    Flag("expand", ("--expand",), False,
         "dotenv: expand ${VAR} and ${VAR:-default} from the keys above, then the environment "
         "(without it they are stored as written)", scope="import", type=bool, default=False),
    # edit
    Flag("yes", ("-y", "--yes"), False,
         "apply the deletions without asking (off a terminal, deleting a line is refused without it)",
         scope="edit", type=bool, default=False),
    # export
    Flag("name", ("--name",), True, "k8s-secret: the Secret's metadata.name", scope="export"),
    Flag("mask", ("--mask",), False,
         "github: also print ::add-mask::VALUE lines on standard output for the runner (the "
         "variables then go to -o, e.g. -o \"$GITHUB_ENV\")", scope="export", type=bool,
         default=False),
)


def flags(scope: str = "global") -> tuple[Flag, ...]:
    """The flags of one scope, in table order."""
    return tuple(f for f in FLAGS if f.scope == scope)


def flag(dest: str, scope: str = "global") -> Flag:
    for f in FLAGS:
        if f.dest == dest and f.scope == scope:
            return f
    raise KeyError(dest)


def flag_by_name(name: str, scope: str = "global") -> Flag | None:
    """The flag spelled ``name`` (``-b``, ``--backend``) in ``scope``, or None."""
    for f in FLAGS:
        if f.scope == scope and name in f.names:
            return f
    return None


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
    def release_bucket(self) -> str:
        """``$PYCHAMBER_RELEASE_BUCKET``: where ``release publish`` and ``exec --release`` keep
        and read releases (empty: releases are not set up)."""
        return self.environ.get("PYCHAMBER_RELEASE_BUCKET", "")

    @property
    def release_prefix(self) -> str:
        """``$PYCHAMBER_RELEASE_PREFIX``: the key prefix of the releases in the bucket, without
        leading or trailing ``/`` (empty: the services' names are the top level)."""
        return self.environ.get("PYCHAMBER_RELEASE_PREFIX", "").strip("/")

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


_KEY_ID_RE = re.compile(r"(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def _with_alias_prefix(alias: str) -> str:
    """An alias name gets chamber's ``alias/`` prefix; a key id, a key ARN or an alias ARN (in
    any region or account: ``arn:aws:kms:...``) is used as it is (chamber PR #64, #212)."""
    if alias.startswith(("alias/", "arn:")) or _KEY_ID_RE.fullmatch(alias):
        return alias
    return "alias/" + alias


def debug(settings: Settings | None, msg: str, **fields: object) -> None:
    """A ``--verbose`` line (slog's text format) to ``settings.say``. Never pass a secret value."""
    if settings is None or not settings.verbose:
        return
    from pychamber.compat.slog import text_line

    settings.say(text_line(msg, **fields))  # type: ignore[arg-type]  # fields are slog's attributes
