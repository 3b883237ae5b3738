"""A value over 4096 bytes written without ``--tier`` is sent as chamber sends it (no Tier: the
account's default tier, or the parameter's own, decides); when Parameter Store refuses it, one
line names ``--tier``. With ``--tier standard``, or over every tier's limit, it is refused before
any call. Against moto's server, behind a WSGI middleware that answers PutParameter as AWS does
when the account's default tier is standard (moto itself stores any size)."""

from __future__ import annotations

import io
import json
import threading

import pytest

from conftest import moto_behind

BIG = "x" * 4097
#: AWS's answer to a PutParameter without Tier whose value is over the standard tier's 4096.
AWS_REFUSAL = ("Standard tier parameters support a maximum parameter value of 4096 characters. To create a "
               "larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more "
               "information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/"
               "parameter-store-advanced-parameters.html")


class StandardByDefault:
    """PutParameter bodies are kept; with ``refuse`` set, a value over 4096 bytes sent without a
    Tier (or with Tier Standard) is answered with AWS's ValidationException."""

    def __init__(self, app):
        self.app = app
        self.refuse = False
        self.puts: list[dict] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "") == "AmazonSSM.PutParameter":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            put = json.loads(body)
            with self.lock:
                self.puts.append(put)
            too_big = len(put["Value"].encode()) > 4096 and put.get("Tier", "Standard") == "Standard"
            if self.refuse and too_big:
                out = json.dumps({"__type": "ValidationException", "message": AWS_REFUSAL}).encode()
                start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.1"),
                                                   ("Content-Length", str(len(out)))])
                return [out]
        return self.app(environ, start_response)


@pytest.fixture
def proxy(moto_server):
    with moto_behind(StandardByDefault) as app:
        yield app


@pytest.fixture
def run(run_cli, proxy):
    def go(*args, **kw):
        return run_cli(*args, env_extra={"AWS_ENDPOINT_URL": proxy.url}, **kw)

    return go


def test_a_big_value_without_tier_is_sent_without_tier_as_chamber(run, proxy, ssm_client):
    run("write", "svc", "big", BIG, check=True)
    assert [("Tier" in p, p["Value"] == BIG) for p in proxy.puts] == [(False, True)]
    assert ssm_client.get_parameter(Name="/svc/big", WithDecryption=True)["Parameter"]["Value"] == BIG
    assert run("read", "-q", "svc", "big", check=True).stdout == BIG + "\n"


def test_parameter_store_refusing_it_is_one_line_naming_tier(run, proxy, ssm_client):
    proxy.refuse = True
    r = run("write", "svc", "big", BIG)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == ("Error: Parameter Store refused /svc/big: the value is 4097 bytes, over the 4096-byte "
                        "limit of a standard parameter (the account's default tier); --tier advanced stores up "
                        "to 8192 bytes\n")
    assert len(proxy.puts) == 1 and ssm_client.describe_parameters()["Parameters"] == []
    run("write", "--tier", "advanced", "svc", "big", BIG, check=True)  # what the line says works
    assert proxy.puts[-1]["Tier"] == "Advanced"


def test_tier_standard_and_what_no_tier_holds_are_refused_before_any_call(run, proxy):
    r = run("write", "--tier", "standard", "svc", "big", BIG)
    assert (r.returncode, r.stderr) == (1, "Error: Failed to write secret big: the value is 4097 bytes, over "
                                           "the 4096-byte limit of --tier standard; --tier advanced stores up "
                                           "to 8192 bytes\n")
    r = run("write", "svc", "huge", "é" * 4097)
    assert (r.returncode, r.stderr) == (1, "Error: Failed to write secret huge: the value is 8194 bytes, over "
                                           "the 8192-byte limit of the largest tier (--tier advanced)\n")
    assert proxy.puts == []


def test_other_validation_errors_are_left_as_they_are(run, proxy):
    proxy.refuse = True
    run("write", "svc", "small", "v", check=True)  # under 4096: never the tier line
    assert len(proxy.puts) == 1
