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
    every command) or the path of the command it belongs to (``"write"``, ``"tag write"``).
    ``dest`` is the ``Settings`` field a global flag fills, or the keyword argument of the
    command's function. The parse (``cli.parse``), the help (``cli.help``) and the shell
    completions all read this table, and nothing else declares a flag."""

    dest: str
    names: tuple[str, ...]
    takes_value: bool
    help: str = ""
    scope: str = "global"
    type: type = str
    #: the value the command receives when the flag is not given (None: "not given")
    default: object = None
    hidden: bool = False
    #: What the help shows: pflag's type (``int``, ``duration``; else from ``type``) and its
    #: default as Go prints it, where ``default`` is None only so that a flag left out can be
    #: told from one given (``--retries``: ``10``).
    pflag_type: str = ""
    shown_default: str | None = None
    #: pflag's NoOptDefVal: the value of a value flag given alone (``--flatten`` is
    #: ``--flatten=_``); it then never takes the next word as its value
    no_opt_default: str | None = None
    #: pychamber's own flag: accepted under either name, shown only when invoked as pychamber
    own: bool = False
    #: chamber's help text where pychamber's says more (shown when invoked as chamber)
    chamber_help: str | None = None
    #: pflag's deprecation notice, printed when the flag is given
    deprecated: str = ""

    @property
    def kind(self) -> str:
        """pflag's ``Value.Type()``: bool, int, string, stringToString, duration."""
        return self.pflag_type or {bool: "bool", int: "int", dict: "stringToString"}.get(self.type, "string")

    @property
    def long(self) -> str:
        return next(n[2:] for n in self.names if n.startswith("--"))

    @property
    def short(self) -> str:
        return next((n[1:] for n in self.names if len(n) == 2), "")


TIER_HELP = ("SSM parameter tier: standard (values up to 4096 bytes, the default), advanced (8192) "
             "or intelligent-tiering")
BACKEND_HELP = ("Backend to use; AKA $CHAMBER_SECRET_BACKEND\n"
                "\tnull: no-op\n"
                "\tssm: SSM Parameter Store\n"
                "\tsecretsmanager: Secrets Manager\n"
                "\ts3: S3; requires --backend-s3-bucket\n"
                "\ts3-kms: S3 using AWS-KMS encryption; requires --backend-s3-bucket and --kms-key-alias "
                "set (if you want to write or delete keys).")
NO_DESCRIPTIONS = "disable completion descriptions"


def _bool(dest: str, names: tuple[str, ...], help: str, scope: str, **kw: object) -> "Flag":
    return Flag(dest, names, False, help, scope, type=bool, default=False, **kw)  # type: ignore[arg-type]


FLAGS: tuple[Flag, ...] = (
    # The help texts are chamber's (cmd/*.go), as its usage block prints them.
    Flag("backend_flag", ("-b", "--backend"), True,
         BACKEND_HELP + "\n\tlocal: an encrypted SQLite database on this machine (pychamber only)",
         shown_default="ssm", chamber_help=BACKEND_HELP),
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
         "DEPRECATED and no longer has any effect. Use retry-mode instead", hidden=True,
         pflag_type="duration", shown_default="0s", deprecated="use --retry-mode instead"),
    _bool("verbose", ("--verbose",), "Print more information to STDERR", "global"),
    # write
    _bool("singleline", ("-s", "--singleline"), "Insert single line parameter (end with \\n)", "write"),
    _bool("skip_unchanged", ("--skip-unchanged",), "Skip writing secret if value is unchanged", "write"),
    Flag("tags", ("-t", "--tags"), True, "Add tags to the secret; new secrets only", "write", type=dict,
         shown_default="[]"),
    Flag("tier", ("--tier",), True, TIER_HELP, scope="write", own=True),
    _bool("preserve_case", ("--preserve-case",),
          "store the key exactly as given, capitals included (chamber lower-cases it; read it back "
          "with read --exact-key)", "write", own=True),
    # read
    Flag("version", ("-v", "--version"), True, "The version number of the secret. Defaults to latest.",
         "read", type=int, default=-1),
    _bool("quiet", ("-q", "--quiet"), "Only print the secret", "read"),
    _bool("exact_key", ("--exact-key",),
          "Prevent normalization of the provided key in order to read a key written with other "
          "casing (as delete --exact-key)", "read", own=True),
    # list, list-services, find, delete, tag write
    _bool("expand", ("-e", "--expand"), "Expand parameter list with values", "list"),
    _bool("by_time", ("-t", "--time"), "Sort by modified time", "list"),
    _bool("by_user", ("-u", "--user"), "Sort by user", "list"),
    _bool("by_version", ("-v", "--version"), "Sort by version", "list"),
    _bool("secrets", ("-s", "--secrets"), "Include secret names in the list", "list-services"),
    _bool("by_value", ("-v", "--by-value"), "Find parameters by value", "find"),
    _bool("exact_key", ("--exact-key",),
          "Prevent normalization of the provided key in order to delete any keys that match the "
          "exact provided casing.", "delete"),
    _bool("delete_other_tags", ("--delete-other-tags",), "Delete tags not specified in the command",
          "tag write"),
    # env, export (listed unsorted, as chamber's SortFlags = false)
    _bool("preserve_case", ("-p", "--preserve-case"), "preserve variable name case", "env"),
    _bool("escape_strings", ("-e", "--escape-strings"), "escape special characters in values", "env"),
    Flag("fmt", ("-f", "--format"), True,
         "Output format (json, yaml, java-properties, csv, tsv, dotenv, tfvars; pychamber also: "
         "dotenv-portable, shell, docker, github, k8s-secret)", "export", default="json",
         chamber_help="Output format (json, yaml, java-properties, csv, tsv, dotenv, tfvars)"),
    Flag("output_file", ("-o", "--output-file"), True,
         "Output file (default is standard output); created with mode 0600", "export", default="",
         chamber_help="Output file (default is standard output)"),
    Flag("secret_name", ("--name",), True, "k8s-secret: the Secret's metadata.name", scope="export",
         own=True),
    _bool("mask", ("--mask",),
          "github: also print ::add-mask::VALUE lines on standard output for the runner (the "
          "variables then go to -o, e.g. -o \"$GITHUB_ENV\")", "export", own=True),
    # import
    _bool("normalize_keys", ("--normalize-keys",),
          "Normalize keys to match how `chamber write` would handle them. If not specified, keys will "
          "be written exactly how they are defined in the import source.", "import"),
    Flag("fmt", ("--format",), True,
         "Input format: json, yaml or dotenv (default: dotenv for .env, *.env, .env.* and *.env.* "
         "files, else json/yaml). In dotenv input ${VAR} is stored as written (see --expand)",
         "import", own=True),
    Flag("flatten", ("--flatten",), True,
         "JSON/YAML: store nested maps as keys joined by `SEP` (db: {host: h} -> db_host); "
         "--flatten alone joins with _", scope="import", no_opt_default="_", own=True),
    _bool("expand", ("--expand",),
          "dotenv: expand ${VAR} and ${VAR:-default} from the keys above, then the environment "
          "(without it they are stored as written)", "import", own=True),
    Flag("tier", ("--tier",), True, TIER_HELP, scope="import", own=True),
    # exec
    _bool("pristine", ("--pristine",),
          "only use variables retrieved from the backend; do not inherit existing environment "
          "variables", "exec"),
    _bool("strict", ("--strict",),
          "enable strict mode:\nonly inject secrets for which there is a corresponding env var with "
          "value\n<strict-value>, and fail if there are any env vars with that value missing\nfrom "
          "secrets", "exec"),
    Flag("strict_value", ("--strict-value",), True, "value to expect in --strict mode",
         scope="exec", default="chamberme"),
    Flag("files", ("--files",), True,
         "write the secrets as files in this directory (one per key, mode 0400) and give the "
         "command NAME_FILE=DIR/key variables instead of the values", scope="exec", own=True),
    _bool("watch", ("--watch",), "keep running: restart (or signal) the command when a secret changes",
          "exec", own=True),
    Flag("watch_interval", ("--watch-interval",), True,
         "how often --watch looks for changes (Go duration, +-20% jitter)", scope="exec",
         default="60s", own=True),
    Flag("on_change", ("--on-change",), True,
         "what --watch does on a change: restart, or signal:SIG (with --files)", scope="exec",
         default="restart", own=True),
    Flag("grace", ("--grace",), True,
         "how long a restart waits for the command to stop before killing it", scope="exec",
         default="10s", own=True),
    Flag("stop_signal", ("--stop-signal",), True, "the signal that stops the command on a restart",
         scope="exec", default="TERM", own=True),
    Flag("splay", ("--splay",), True,
         "wait a random time up to this before acting on a change (spreads a fleet)",
         scope="exec", default="0s", own=True),
    _bool("init", ("--init",), "supervise the command as a correct PID 1: forward signals, reap orphans",
          "exec", own=True),
    _bool("no_warn_conflicts", ("--no-warn-conflicts",),
          "no warning when a later service overrides a variable of an earlier one", "exec", own=True),
    _bool("strict_services", ("--strict-services",),
          "refuse to run when a service has no secrets at all (a misspelt name) instead of "
          "running the command without them", "exec", own=True),
    _bool("dry_run", ("--dry-run",),
          "print the variables that would be set (name, service, key, version; never a value) "
          "instead of running the command", "exec", own=True),
    Flag("release", ("--release",), True,
         "read the services' current release (or, with --release=N, release N of each) from "
         "$PYCHAMBER_RELEASE_BUCKET instead of the store (no Parameter Store call)",
         scope="exec", no_opt_default="current", own=True),
    # materialize
    Flag("directory", ("--dir",), True, "directory to write the files in (created 0700)", "materialize",
         default="", own=True),
    Flag("mode", ("--mode",), True, "mode of each file, in octal", "materialize", default="0400", own=True),
    Flag("uid", ("--uid",), True, "owner of each file (needs root)", "materialize", type=int, own=True),
    Flag("gid", ("--gid",), True, "group of each file (needs root)", "materialize", type=int, own=True),
    Flag("release", ("--release",), True,
         "read the services' current release (or, with --release=N, release N of each) from "
         "$PYCHAMBER_RELEASE_BUCKET instead of the store", scope="materialize",
         no_opt_default="current", own=True),
    # edit
    _bool("yes", ("-y", "--yes"),
          "apply the deletions without asking (off a terminal, deleting a line is refused without it)",
          "edit", own=True),
    # ecs
    Flag("container", ("--container",), True, "print a whole container definition with this name",
         "ecs secrets", own=True),
    Flag("image", ("--image",), True, "the container definition's image", "ecs secrets", own=True),
    Flag("role", ("--role",), True,
         "execution (ECS resolves the secrets array), task (the container runs pychamber exec), "
         "writer, or publisher (release publish and rollback)", "ecs policy", default="task", own=True),
    _bool("release", ("--release",),
          "with --role task: what exec --release reads (the services' release objects and the key), "
          "no store access", "ecs policy", own=True),
    # completion (cobra's own)
    _bool("no_descriptions", ("--no-descriptions",), NO_DESCRIPTIONS, "completion bash"),
    _bool("no_descriptions", ("--no-descriptions",), NO_DESCRIPTIONS, "completion zsh"),
    _bool("no_descriptions", ("--no-descriptions",), NO_DESCRIPTIONS, "completion fish"),
    _bool("no_descriptions", ("--no-descriptions",), NO_DESCRIPTIONS, "completion powershell"),
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
