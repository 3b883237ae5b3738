"""What botocore loads when pychamber builds its first client, cut to what the client needs.

Most of a cold ``pychamber exec`` is botocore starting (the README's Benchmark section has the
profile). A few things it does at start-up are of no use to pychamber; :func:`prepare` and
:func:`loader` (called by :func:`pychamber.aws.session`) skip them without changing what any
client does:

- **Two package initialisations.** ``botocore.client`` imports ``botocore.docs`` (19 modules,
  ``html.parser`` among them) only to attach lazily built docstrings to client methods, and
  urllib3 imports ``urllib3.http2``, whose ``__init__`` loads ``importlib.metadata`` (zipfile,
  csv, bz2, lzma...) for a function only an HTTP/2 user calls. :func:`prepare` puts both
  packages in place with their ``__init__`` not yet run (submodules import as usual; the first
  attribute asked of the package runs it) and, for ``botocore.docs.docstring``, a stand-in
  whose docstrings are as lazy as botocore's: the first one read (``help(client.put_parameter)``)
  or anything else asked of that module runs botocore's real modules. A package already
  imported is left alone.
- **Listing every service.** botocore's data loader lists all ~450 service directories (900
  ``listdir`` and 2,700 ``stat`` calls, twice per client) only to check that the name asked for
  is one of them. :func:`loader`'s ``list_available_services`` takes the directory names alone
  (a service lacking the file asked for then fails when it is read, ``DataNotFoundError``
  instead of ``UnknownServiceError``: for names pychamber never asks for).
- **The whole SSM model.** SSM's model has ~150 operations (950 kB of JSON, and a client
  class with a method for each); pychamber uses Parameter Store's dozen. ``awsdata/`` holds
  that part of botocore's own model (:data:`SSM_OPERATIONS`, their shapes, no documentation;
  written by ``python -m pychamber.awsboot`` from the installed botocore, whose version
  ``awsdata/SOURCE`` names; a test keeps the files equal to that botocore's).

Not cut: botocore's ``endpoints.json`` (1.2 MB, ~20 ms to parse). botocore trusts its endpoint
rule sets only while ``endpoints.json`` is its own (``Loader.is_builtin_path``); a cut of it
sends every client through the legacy resolver, which builds other URLs (Secrets Manager
dual-stack, S3 FIPS, SSO in GovCloud, SSM dual-stack in the ISO partitions...). pychamber
calls exactly the URL botocore calls (``tests/test_endpoints.py`` compares them).

``awsdata/`` is found after ``AWS_DATA_PATH`` and ``~/.aws/models`` and before botocore's own
data, so a model of the user's own still wins; every other file (endpoint rules, partitions,
other services' models) is botocore's.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any, Iterable

#: Where pychamber's part of botocore's data lives (botocore's layout: service/version/file).
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "awsdata")

#: Parameter Store's operations: the part of SSM's model pychamber ships.
SSM_OPERATIONS = (
    "AddTagsToResource", "DeleteParameter", "DeleteParameters", "DescribeParameters",
    "GetParameter", "GetParameterHistory", "GetParameters", "GetParametersByPath",
    "LabelParameterVersion", "ListTagsForResource", "PutParameter", "RemoveTagsFromResource",
    "UnlabelParameterVersion",
)
SSM_MODEL = ("ssm", "2014-11-06", "service-2.json")
#: S3's and KMS's operations pychamber calls (S3 backends, releases, doctor, ecs), plus those
#: botocore's S3 client may call itself (HeadBucket: its region redirector; CreateSession:
#: directory buckets): the parts of their models pychamber ships, as it ships SSM's
#: (``exec --release`` builds both clients; the full models cost it 40-60 ms a start).
CUT_MODELS: dict[tuple[str, str], tuple[str, ...]] = {
    ("s3", "2006-03-01"): ("CopyObject", "CreateSession", "DeleteObject", "GetObject", "HeadBucket",
                           "ListObjectsV2", "PutObject"),
    ("kms", "2014-11-01"): ("Decrypt", "DescribeKey", "Encrypt", "GenerateDataKey"),
}

_DOCS = "botocore.docs"
_DOCSTRING = "botocore.docs.docstring"
_lock = threading.RLock()
_placeholders: dict[str, Any] = {}


# --- package initialisations, deferred -------------------------------------------------------
def prepare() -> None:
    """Before ``import botocore.session``: defer ``botocore.docs`` and ``urllib3.http2`` (see
    the module's text). Does nothing for a package already imported."""
    with _lock:
        _defer_docs()
        _defer_http2()


def _placeholder(name: str, search_path: list[str] | None) -> Any | None:
    """Package ``name`` in ``sys.modules`` without its ``__init__`` run: its submodules import
    as usual; the first attribute it lacks runs the ``__init__`` (PEP 562 ``__getattr__``).
    ``search_path``: where to find it without importing its parent (None: the parent is)."""
    import importlib.machinery
    import importlib.util

    if name in sys.modules:
        return None
    spec = importlib.machinery.PathFinder.find_spec(name, search_path)
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return None
    module = importlib.util.module_from_spec(spec)

    def __getattr__(attr: str) -> Any:
        # ``from package import submodule`` asks first (hasattr): a submodule is imported, not
        # looked for in the __init__
        if attr.startswith("__") or importlib.machinery.PathFinder.find_spec(
                f"{name}.{attr}", list(module.__path__)) is not None:
            raise AttributeError(attr)
        _run_init(name)
        return getattr(module, attr)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    _placeholders[name] = module
    sys.modules[name] = module
    return module


def _run_init(name: str) -> None:
    """Run a deferred package's ``__init__`` (once), in the module object already handed out."""
    with _lock:
        module = _placeholders.pop(name, None)
        if module is not None:
            del module.__getattr__
            module.__spec__.loader.exec_module(module)


def _defer_http2() -> None:
    """``urllib3.http2``'s ``__init__`` imports ``importlib.metadata`` (with zipfile, csv,
    pathlib, bz2, lzma...) for a function only an HTTP/2 user calls; urllib3 itself needs only
    its ``probe`` submodule."""
    import importlib.machinery

    if "urllib3" in sys.modules:
        return
    top = importlib.machinery.PathFinder.find_spec("urllib3")
    if top is None or not top.submodule_search_locations:
        return
    module = _placeholder("urllib3.http2", list(top.submodule_search_locations))
    if module is None:
        return
    try:
        import urllib3
    except BaseException:
        del sys.modules["urllib3.http2"]
        _placeholders.pop("urllib3.http2", None)
        raise
    if getattr(urllib3, "http2", None) is None:
        urllib3.http2 = module


def _defer_docs() -> None:
    """``botocore.client`` imports ``botocore.docs`` for lazily built docstrings: a not-yet-run
    package and a stand-in for its ``docstring`` module (just as lazy, botocore's on first use)."""
    import importlib.machinery
    import types

    if "botocore.client" in sys.modules or _DOCS in sys.modules:
        return
    import botocore

    package = _placeholder(_DOCS, list(botocore.__path__))
    if package is None:
        return
    doc_spec = importlib.machinery.PathFinder.find_spec(_DOCSTRING, list(package.__path__))
    if doc_spec is None:
        _run_init(_DOCS)
        return
    stand_in = types.ModuleType(_DOCSTRING)
    stand_in.__spec__ = doc_spec
    stand_in.__getattr__ = _real_attribute  # type: ignore[method-assign]
    for name in ("ClientMethodDocstring", "PaginatorDocstring", "WaiterDocstring"):
        setattr(stand_in, name, type(name, (_Deferred,), {"_name": name}))
    package.docstring = stand_in
    _placeholders[_DOCSTRING] = stand_in
    sys.modules[_DOCSTRING] = stand_in
    botocore.docs = package


def _real_docstring_module() -> Any:
    """botocore's own ``botocore.docs.docstring``, ``botocore.docs`` run first."""
    import importlib

    with _lock:
        stand_in = _placeholders.pop(_DOCSTRING, None)
        if stand_in is not None:
            if sys.modules.get(_DOCSTRING) is stand_in:
                del sys.modules[_DOCSTRING]
            package = sys.modules.get(_DOCS)
            if package is not None and getattr(package, "docstring", None) is stand_in:
                del package.docstring
            _run_init(_DOCS)
        return importlib.import_module(_DOCSTRING)


def _real_attribute(name: str) -> Any:
    """Anything else asked of the stand-in (``LazyLoadedDocstring``...) is botocore's."""
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(_real_docstring_module(), name)


class _Deferred(str):
    """A client method's docstring, as lazy as botocore's: built by botocore's class of the same
    name on first use (the same three methods botocore's ``LazyLoadedDocstring`` overrides)."""

    _name = ""

    def __new__(cls, *args: Any, **kwargs: Any) -> "_Deferred":
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._args, self._kwargs = args, kwargs
        self._text: str | None = None

    def _generate(self) -> str:
        if self._text is None:
            real = getattr(_real_docstring_module(), self._name)(*self._args, **self._kwargs)
            self._text = str(real)
        return self._text

    def expandtabs(self, tabsize: int = 8) -> str:  # type: ignore[override]
        return self._generate().expandtabs(tabsize)

    def __str__(self) -> str:
        return self._generate()

    __repr__ = __str__


# --- the data loader ----------------------------------------------------------------------------
def loader(session: Any) -> Any:
    """botocore's data loader for ``session`` (``AWS_DATA_PATH`` honoured, as botocore's
    ``create_loader`` does), listing services cheaply and finding pychamber's SSM model."""
    from botocore.loaders import Loader, instance_cache

    class LeanLoader(Loader):
        @instance_cache
        def list_available_services(self, type_name: str) -> list[str]:
            found: set[str] = set()
            for path in self.search_paths:
                try:
                    found.update(os.listdir(path))
                except OSError:  # a search path that does not exist (~/.aws/models)
                    pass
            return sorted(found)

    try:
        data_path = session.get_config_variable("data_path")
    except Exception:  # noqa: BLE001 - an unknown profile, a broken config file: the first
        data_path = os.environ.get("AWS_DATA_PATH")  # client's creation reports it, translated
    paths = [os.path.expanduser(os.path.expandvars(p))
             for p in (data_path.split(os.pathsep) if data_path else [])]
    # the shipped cut only for the botocore series it was cut from: another series may read
    # (or lack) fields the cut does not have; it then gets botocore's own data, slower but exact
    paths += [Loader.CUSTOMER_DATA_PATH] + ([DATA] if _same_series() else []) + [Loader.BUILTIN_DATA_PATH]
    return LeanLoader(extra_search_paths=paths, include_default_search_paths=False)


# --- pychamber's part of the SSM model ----------------------------------------------------------
def trimmed(model: dict, operations: Iterable[str]) -> dict:
    """The part of a botocore service model that ``operations`` need: those operations, every
    shape they reach (input, output, errors, members), the metadata; no documentation."""
    ops = {name: model["operations"][name] for name in sorted(operations)}
    shapes: dict[str, Any] = {}

    def reach(name: str) -> None:
        if name in shapes:
            return
        shape = shapes[name] = model["shapes"][name]
        refs = list(shape.get("members", {}).values())
        refs += [shape[k] for k in ("member", "key", "value") if k in shape]
        for ref in refs:
            reach(ref["shape"])

    for op in ops.values():
        for ref in [op.get("input"), op.get("output"), *op.get("errors", [])]:
            if ref:
                reach(ref["shape"])
    cut = _undocumented({**model, "operations": ops,
                         "shapes": {name: shapes[name] for name in sorted(shapes)}})
    if "clientContextParams" in model:  # botocore reads their documentation (S3's)
        cut["clientContextParams"] = model["clientContextParams"]
    return cut


def _undocumented(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _undocumented(v) for k, v in value.items()
                if k not in ("documentation", "documentationUrl")}
    if isinstance(value, list):
        return [_undocumented(v) for v in value]
    return value


def botocore_ssm_model() -> dict:
    """The installed botocore's full SSM model."""
    from botocore.loaders import Loader

    return Loader().load_service_model("ssm", "service-2", SSM_MODEL[1])


def botocore_model(service: str, version: str) -> dict:
    """The installed botocore's full model of ``service`` (one of :data:`CUT_MODELS`)."""
    from botocore.loaders import Loader

    return Loader().load_service_model(service, "service-2", version)


def _same_series() -> bool:
    """Whether the installed botocore is of the series (major.minor) ``awsdata/`` was cut from."""
    import botocore

    try:
        return botocore.__version__.split(".")[:2] == source_version().split(".")[:2]
    except (OSError, ValueError, IndexError):  # missing, not UTF-8, empty: botocore's own data
        return False


def source_version() -> str:
    """The botocore version ``awsdata/`` was cut from."""
    with open(os.path.join(DATA, "SOURCE"), encoding="utf-8") as f:
        return f.read().split()[-1]


def write_data() -> list[str]:
    """Write ``awsdata/`` from the installed botocore; the paths written."""
    import json

    files = {os.path.join(*SSM_MODEL): trimmed(botocore_ssm_model(), SSM_OPERATIONS)}
    for (service, version), operations in CUT_MODELS.items():
        files[os.path.join(service, version, "service-2.json")] = trimmed(
            botocore_model(service, version), operations)
    import botocore

    written = []
    with open(os.path.join(DATA, "SOURCE"), "w", encoding="utf-8") as f:
        f.write(f"botocore {botocore.__version__}\n")  # what the files were cut from
    for name, data in files.items():
        path = os.path.join(DATA, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")
        written.append(path)
    return written


if __name__ == "__main__":  # python -m pychamber.awsboot: after a botocore upgrade
    print("\n".join(write_data()))
