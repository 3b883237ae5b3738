"""env, export, import."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pychamber import api, names
from pychamber.cli.common import open_store, service_arg, settings_of, wrapped
from pychamber.cli.console import Console, Invocation
from pychamber.errors import ChamberError
from pychamber.model import key_of

if TYPE_CHECKING:  # pragma: no cover
    from pychamber import stores


# --- env -----------------------------------------------------------------------------------
def env(inv: Invocation, service_raw: str, *, preserve_case: bool, escape_strings: bool) -> None:
    console = inv.console
    from pychamber import formats

    service = service_arg(inv, service_raw)
    store = open_store(inv)
    raw = wrapped("Failed to list store contents: ", store.list_raw, service)
    pairs = {key_of(r.key): r.value for r in raw}
    console.out(formats.render_env(pairs.items(), preserve_case=preserve_case,
                                   escape_strings=escape_strings))


# --- export --------------------------------------------------------------------------------
def merge_services(console: Console, services: list[str], fetched: list[list]) -> dict[str, str]:
    """Merge services' raw secrets in argument order; later services win, with chamber's warning."""
    params: dict[str, str] = {}
    for service, raw in zip(services, fetched):
        for r in raw:
            k = key_of(r.key)
            if k in params:
                console.warn(f"warning: parameter {k} specified more than once (overridden by service {service})")
            params[k] = r.value
    return params


def export(inv: Invocation, raw_services: list[str], *, fmt: str, output_file: str,
           secret_name: str | None, mask: bool) -> None:
    console = inv.console
    from pychamber import formats

    store = open_store(inv, prefix="")
    services = []
    for raw in raw_services:  # chamber checks the names first (cmd/export.go), then the format
        service = names.go_lower(raw)
        try:
            names.validate_service(service)
        except ChamberError as e:
            raise e.wrap(f"Failed to validate service {service}: ") from None
        services.append(service)
    if not formats.is_supported(fmt):  # refuse before anything is fetched or written
        raise ChamberError(f"Unable to export parameters: Unsupported export format: {fmt}")
    _check_target_flags(names.go_lower(fmt), secret_name, mask, output_file)
    # fetched concurrently where the store can; an error names its service (chamber's
    # cmd/export.go: "Failed to list store contents for service %s: %w"), in argument order
    fetched = []
    loader = api.fetch(store, services)
    with console.progress("exporting", len(services)) as progress:
        for service in services:
            try:
                fetched.append(next(loader))
            except ChamberError as e:
                raise e.wrap(f"Failed to list store contents for service {service}: ") from None
            progress(len(fetched))
    params = merge_services(console, services, fetched)
    try:
        text = formats.render(fmt, params.items(), name=secret_name)
    except ChamberError as e:
        raise e.wrap("Unable to export parameters: ") from None
    for warning in formats.name_collisions(fmt, params.items()):
        console.warn(warning)
    if mask:  # the runner reads workflow commands on stdout; the variables go to the file
        console.out(formats.github_masks(params.items()))
    data = text.encode("utf-8", "surrogateescape")
    if output_file:
        from pychamber.files import write_output_file

        # -f github: the runner's $GITHUB_ENV is appended to (>>), never replaced
        write_output_file(output_file, data, 0o600, append=names.go_lower(fmt) == "github")
    else:
        console.out_bytes(data)


def _check_target_flags(fmt: str, secret_name: str | None, mask: bool, output_file: str) -> None:
    """export's format-specific flags, checked before anything is fetched."""
    if fmt == "k8s-secret":
        from pychamber.formats import render_k8s_secret

        render_k8s_secret([], secret_name)  # the name's own errors
    elif secret_name is not None:
        raise ChamberError("--name applies to -f k8s-secret (the Secret's metadata.name)")
    if mask and fmt != "github":
        raise ChamberError("--mask applies to -f github")
    if mask and not output_file:
        raise ChamberError('--mask needs -o FILE, usually -o "$GITHUB_ENV": the masks go to '
                           "standard output, where the runner reads them, and the variables to "
                           "the file")


# --- import --------------------------------------------------------------------------------
def import_(inv: Invocation, service_raw: str, path: str, *, normalize_keys: bool, fmt: str | None,
            flatten: str | None, expand: bool, tier: str | None) -> None:
    console = inv.console
    from pychamber import formats
    from pychamber.files import read_input

    service = service_arg(inv, service_raw)
    kind = formats.import_kind(fmt, path)
    if flatten is not None and kind == "dotenv":
        raise ChamberError("--flatten applies to JSON and YAML input; dotenv input is flat")
    if expand and kind != "dotenv":
        raise ChamberError("--expand applies to dotenv input (a .env file, or --format dotenv)")
    data = read_input(path, console.stdin)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ChamberError(f"Failed to decode input as {kind}: the input is not valid UTF-8") from None
    store = None
    if kind == "dotenv":  # pychamber's: names go back to the keys they stand for (edit.py)
        from pychamber import edit

        entries = formats.parse_dotenv_entries(text, environ=settings_of(inv).environ if expand else None)
        store = open_store(inv)
        stored = wrapped("Failed to list store contents: ", edit.stored_keys, store, service)
        pairs = formats.map_dotenv_names(entries, stored)
    else:
        pairs = formats.parse_import(text, fmt=fmt, filename=path, flatten=flatten)
    # Later duplicates win (a YAML/JSON map has none; dotenv's are mapped to one key each).
    merged = dict(pairs)
    # chamber's loop (cmd/import.go) lower-cases each key of the map as it writes it: keys that
    # collide after lower-casing are each written (a version each) and each counted
    writes = [(names.go_lower(k) if normalize_keys else k, v) for k, v in merged.items()]
    # what the backend can hold, checked before anything is written (and before the store is
    # opened, so that a bad file is reported first, as it always was)
    can = _capabilities(settings_of(inv).backend)
    tier = can.resolve_tier(tier)
    problem = can.values_problem(writes, tier,  # write's rule, plus import's key names
                                 key_rule=lambda k, v: names.import_problem(k, v, None, True))
    if problem:
        raise ChamberError(f"Failed to import: {problem}; nothing was written")
    if store is None:
        store = open_store(inv)
    if tier:
        store.use_tier(tier)
    try:
        with console.progress("importing", len(merged)) as progress:
            store.write_many(service, writes, progress)
    except ChamberError as e:
        raise e.wrap("Failed to write secret: ") from None
    console.out(f"Successfully imported {len(merged)} secrets\n")


def _capabilities(backend: str) -> "type[stores.Store]":
    """The store class of ``backend`` (its capabilities are class attributes); the base class,
    whose capabilities are the most conservative, for a name the factory does not know."""
    from pychamber import stores

    if backend not in stores.BACKENDS:
        return stores.Store
    return stores.backend_class(backend)
