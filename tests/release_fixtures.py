"""What the release tests share: moto's app behind a recording WSGI middleware (every request
counted by API, ``s3:GetObject``, ``kms:Decrypt``, ``ssm:GetParametersByPath``..., the JSON
bodies of KMS calls kept so that a test can read the encryption context pychamber sends), a
bucket and KMS keys made through it, and the environment pointing pychamber at it.

moto's state is process-wide: this server sees what the session's ``moto_server`` holds, and
``aws_env`` (which the fixture uses) resets it first."""

from __future__ import annotations

import collections
import io
import json
import threading
import urllib.parse

import pytest

from conftest import moto_behind

BUCKET = "releases"
REGION = "us-east-1"


def api_of(environ, body: bytes) -> str:
    """``service:Operation`` of one request (S3's from its method, path and query)."""
    target = environ.get("HTTP_X_AMZ_TARGET") or ""
    if target:
        prefix, _, op = target.rpartition(".")
        service = {"TrentService": "kms", "AmazonSSM": "ssm", "secretsmanager": "secretsmanager"}.get(
            prefix, prefix.lower())
        return f"{service}:{op}"
    if environ.get("REQUEST_METHOD") == "POST" and b"Action=" in body:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        return f"sts:{form.get('Action', ['?'])[0]}"
    method = environ.get("REQUEST_METHOD", "")
    path = environ.get("PATH_INFO", "").strip("/")
    query = environ.get("QUERY_STRING", "")
    if "/" not in path:  # the bucket itself
        if method == "GET" and "list-type=2" in query:
            return "s3:ListObjectsV2"
        return f"s3:{method}Bucket"
    if method == "PUT":
        return "s3:CopyObject" if environ.get("HTTP_X_AMZ_COPY_SOURCE") else "s3:PutObject"
    return {"GET": "s3:GetObject", "HEAD": "s3:HeadObject", "DELETE": "s3:DeleteObject"}.get(
        method, f"s3:{method}")


class Recorder:
    """Counts requests by API; keeps (api, path, headers, JSON body) of each; can answer one API
    with an error instead of passing it on (``fail[api] = (status, body)``)."""

    def __init__(self, app):
        self.app = app
        self.calls: collections.Counter = collections.Counter()
        self.requests: list[tuple[str, str, dict, dict]] = []
        self.fail: dict[str, tuple[str, bytes]] = {}
        self.lock = threading.Lock()
        self.url = ""

    def __call__(self, environ, start_response):
        n = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(n) if n else b""
        environ["wsgi.input"] = io.BytesIO(body)
        api = api_of(environ, body)
        try:
            data = json.loads(body) if api.startswith(("kms:", "ssm:")) and body else {}
        except ValueError:
            data = {}
        headers = {k[5:].lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        with self.lock:
            self.calls[api] += 1
            self.requests.append((api, environ.get("PATH_INFO", ""), headers, data))
            failure = self.fail.get(api)
        if failure is not None:
            status, out = failure
            start_response(status, [("Content-Type", "application/x-amz-json-1.1"),
                                    ("Content-Length", str(len(out)))])
            return [out]
        return self.app(environ, start_response)

    def take(self) -> dict[str, int]:
        """The counts so far, cleared (with the kept requests)."""
        with self.lock:
            calls = dict(self.calls)
            self.calls.clear()
            self.requests.clear()
        return calls


def boto(url: str, service: str):
    import boto3

    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                 region_name=REGION).client(service, endpoint_url=url)


def make_keys(url: str) -> dict[str, str]:
    """The bucket, ``alias/parameter_store_key`` and a second key ``alias/other``; their ARNs."""
    boto(url, "s3").create_bucket(Bucket=BUCKET)
    kms = boto(url, "kms")
    arns = {}
    for alias in ("alias/parameter_store_key", "alias/other"):
        meta = kms.create_key()["KeyMetadata"]
        kms.create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
        arns[alias] = meta["Arn"]
    return arns


@pytest.fixture
def recorder(aws_env):
    """A :class:`Recorder` in front of moto (fresh state) with the bucket and keys made; its
    ``env`` is ``aws_env`` pointed at it with ``PYCHAMBER_RELEASE_BUCKET`` set."""
    with moto_behind(Recorder) as rec:
        rec.keys = make_keys(rec.url)  # type: ignore[attr-defined]
        rec.env = dict(aws_env, AWS_ENDPOINT_URL=rec.url,  # type: ignore[attr-defined]
                       PYCHAMBER_RELEASE_BUCKET=BUCKET, CHAMBER_RETRIES="2")
        rec.take()
        yield rec


def write(url: str, service: str, values: dict[str, str]) -> None:
    """Secrets as chamber writes them (SecureStrings; the chamber version in the description)."""
    ssm = boto(url, "ssm")
    for key, value in values.items():
        name = f"/{service}/{key}"
        try:
            version = int(ssm.get_parameter(Name=name)["Parameter"]["Version"]) + 1
        except ssm.exceptions.ParameterNotFound:
            version = 1
        ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True,
                          KeyId="alias/parameter_store_key", Description=str(version))
