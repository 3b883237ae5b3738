"""What botocore loads for pychamber's first client (pychamber.awsboot): less, with every client
and docstring the same. Fresh interpreters, since the deferrals happen once, before botocore
is imported."""

from __future__ import annotations

import ast
import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pychamber import awsboot

SRC = Path(__file__).resolve().parents[1] / "src"


def fresh(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter (fake credentials, a region); its stdout."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CHAMBER_"))}
    full.update(PYTHONPATH=str(SRC), AWS_ACCESS_KEY_ID="t", AWS_SECRET_ACCESS_KEY="t",
                AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true", **env)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


CLIENT = """
import os, sys
from pychamber import aws
from pychamber.settings import Settings
listings = []
real_listdir = os.listdir
os.listdir = lambda *a: listings.append(a) or real_listdir(*a)
client = aws.client("ssm", Settings(), 3)
os.listdir = real_listdir
"""


def test_first_client_skips_docs_http2_metadata_and_the_service_listing():
    out = fresh(CLIENT + """
loaded = [m for m in ("botocore.docs.service", "html.parser", "importlib.metadata", "zipfile")
          if m in sys.modules]
print(len(listings), loaded)
""")
    listings, loaded = out.split(" ", 1)
    assert loaded.strip() == "[]"
    assert int(listings) < 20  # botocore's own loader: ~900 (every service directory, twice)


def test_docstrings_and_deferred_packages_are_botocores_on_first_use():
    out = fresh(CLIENT + """
import inspect
doc = inspect.getdoc(client.get_parameters_by_path)
assert ":type Path: string" in doc and "**Request Syntax**" in doc, doc[:300]
from botocore.docs.docstring import LazyLoadedDocstring, ClientMethodDocstring
from botocore.docs.service import ServiceDocumenter
import botocore.docs, urllib3.http2
assert callable(urllib3.http2.inject_into_urllib3)
assert "ServiceDocumenter" in vars(botocore.docs)
import boto3
other = boto3.session.Session(region_name="us-east-1").client("sts")
assert "GetCallerIdentity" in inspect.getdoc(other.get_caller_identity)
print("ok")
""")
    assert out == "ok\n"


def test_ssm_client_has_parameter_stores_operations_only():
    out = fresh(CLIENT + """
print(sorted(client.meta.service_model.operation_names))
""")
    assert json.loads(out.replace("'", '"')) == sorted(awsboot.SSM_OPERATIONS)


def test_a_model_on_aws_data_path_still_wins(tmp_path):
    """A model of the user's own (AWS_DATA_PATH) comes before pychamber's."""
    import botocore

    full = Path(botocore.__file__).parent / "data" / "ssm" / "2014-11-06" / "service-2.json.gz"
    target = tmp_path / "ssm" / "2014-11-06"
    target.mkdir(parents=True)
    with gzip.open(full) as src, open(target / "service-2.json", "wb") as dst:
        shutil.copyfileobj(src, dst)
    out = fresh(CLIENT + "print(hasattr(client, 'send_command'))", AWS_DATA_PATH=str(tmp_path))
    assert out == "True\n"


def same_botocore():
    """The exact comparisons need the botocore ``awsdata/`` was cut from (a newer one may have
    changed a model or added a region: ``python -m pychamber.awsboot`` rewrites the files; the
    resolution test below still compares what matters with whatever botocore is installed)."""
    import botocore

    if botocore.__version__ != awsboot.source_version():
        pytest.skip(f"awsdata/ was cut from botocore {awsboot.source_version()}, "
                    f"{botocore.__version__} is installed: python -m pychamber.awsboot")


def test_shipped_model_is_the_installed_botocores_part():
    """``awsdata``'s SSM model is botocore's, cut."""
    same_botocore()
    path = Path(awsboot.DATA, *awsboot.SSM_MODEL)
    shipped = json.loads(path.read_text())
    assert shipped == awsboot.trimmed(awsboot.botocore_ssm_model(), awsboot.SSM_OPERATIONS), (
        "stale: run python -m pychamber.awsboot")


def test_every_ssm_operation_pychamber_names_is_in_the_shipped_model():
    operations = set(awsboot.botocore_ssm_model()["operations"])
    named = set()
    for path in (SRC / "pychamber").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in operations:
                named.add(node.value)
    assert named and named <= set(awsboot.SSM_OPERATIONS), named - set(awsboot.SSM_OPERATIONS)


@pytest.mark.parametrize("op", ["GetParametersByPath", "PutParameter", "DescribeParameters"])
def test_trimmed_keeps_every_shape_an_operation_reaches(op):
    full = awsboot.botocore_ssm_model()
    cut = awsboot.trimmed(full, [op])
    assert list(cut["operations"]) == [op]
    for shape in cut["shapes"].values():
        refs = list(shape.get("members", {}).values())
        refs += [shape[k] for k in ("member", "key", "value") if k in shape]
        assert all(r["shape"] in cut["shapes"] for r in refs)
        assert "documentation" not in shape
    assert cut["metadata"] == full["metadata"]


def test_clients_resolve_as_with_botocores_own_data():
    """Endpoint, partition, signing region and name of each service pychamber talks to, in
    regions of several partitions (a FIPS one too): the same as a plain botocore session's."""
    out = fresh("""
import botocore.session
from pychamber import aws
from pychamber.settings import Settings
plain = botocore.session.get_session()
ours = aws.session()
for service in ("ssm", "secretsmanager", "s3", "sts", "kms"):
    for region in ("us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "us-east-1-fips"):
        got = []
        for sess in (plain, ours):
            c = sess.create_client(service, region_name=region)
            got.append((c.meta.endpoint_url, c.meta.partition, c.meta.region_name,
                        c._request_signer._region_name, c._request_signer._signing_name))
        assert got[0] == got[1], (service, region, got)
print("ok")
""")
    assert out == "ok\n"


def test_another_botocore_series_gets_botocores_own_full_model(tmp_path):
    # the shipped cut is for the series it was cut from; a copy of the package whose SOURCE
    # names another series must build SSM clients from botocore's own (whole) model
    pkg = tmp_path / "src"
    shutil.copytree(SRC / "pychamber", pkg / "pychamber")
    (pkg / "pychamber" / "awsdata" / "SOURCE").write_text("botocore 0.1.0\n")
    code = CLIENT + "print(len(client.meta.service_model.operation_names))\n"
    full = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CHAMBER_"))}
    full.update(PYTHONPATH=str(pkg), AWS_ACCESS_KEY_ID="t", AWS_SECRET_ACCESS_KEY="t",
                AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert int(p.stdout) > 100  # SSM's ~150 operations, not Parameter Store's dozen


@pytest.mark.parametrize("content", [b"", b"\n", b"\xff\xfe botocore", None])
def test_an_unreadable_source_file_means_botocores_own_data(tmp_path, monkeypatch, content):
    # a damaged install (SOURCE empty, not text, or missing) must not break every AWS client
    from pychamber import awsboot

    if content is not None:
        (tmp_path / "SOURCE").write_bytes(content)
    monkeypatch.setattr(awsboot, "DATA", str(tmp_path))
    assert awsboot._same_series() is False


@pytest.mark.parametrize("service,version", sorted(awsboot.CUT_MODELS))
def test_shipped_s3_and_kms_models_are_the_installed_botocores_part(service, version):
    """``awsdata``'s S3 and KMS models are botocore's, cut to :data:`awsboot.CUT_MODELS`, and
    every S3 or KMS operation pychamber names is in them."""
    same_botocore()
    shipped = json.loads(Path(awsboot.DATA, service, version, "service-2.json").read_text())
    operations = awsboot.CUT_MODELS[(service, version)]
    assert shipped == awsboot.trimmed(awsboot.botocore_model(service, version), operations), (
        "stale: run python -m pychamber.awsboot")
    named = set()
    for path in (SRC / "pychamber").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and len(node.args) >= 2 and all(
                    isinstance(a, ast.Constant) for a in node.args[:2]) and node.args[0].value == service:
                named.add(node.args[1].value)
    assert named and named <= set(operations), named - set(operations)
