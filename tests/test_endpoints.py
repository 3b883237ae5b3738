"""pychamber calls exactly the URL botocore calls with its own data (issue 21 item 16), for
every service it talks to (ssm, secretsmanager, s3, kms, sts) or botocore talks to for it (sts
for assume-role and web identity, sso and sso-oidc for SSO profiles, iam), in every partition,
with FIPS, dual-stack and endpoint overrides. Each URL is taken from a real request: a
before-send hook records ``request.url`` and aborts it (no network)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

REGIONS = ("us-east-1", "eu-west-3", "ap-southeast-5", "aws-global", "us-gov-west-1", "cn-north-1",
           "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1")
SERVICES = ("ssm", "secretsmanager", "s3", "kms", "sts", "sso", "sso-oidc", "iam")

# One child per environment: botocore reads FIPS, dual-stack and AWS_ENDPOINT_URL* from the
# process environment. pychamber's client for its own services (aws.client, which honours
# CHAMBER_AWS_REGION and chamber's endpoint variables), pychamber's session for the others
# (as botocore's credential providers use it); a plain botocore session beside it.
CHILD = r"""
import json, os, sys
import botocore.session
from botocore.config import Config
from pychamber import aws
from pychamber.settings import Settings

class Sent(Exception):
    pass

CALLS = {"ssm": ("get_parameters", {"Names": ["/svc/key"]}),
         "secretsmanager": ("get_secret_value", {"SecretId": "svc"}),
         "s3": ("get_object", {"Bucket": "bkt", "Key": "svc/key.json"}),
         "kms": ("describe_key", {"KeyId": "alias/parameter_store_key"}), "sts": ("get_caller_identity", {}),
         "sso": ("get_role_credentials", {"roleName": "r", "accountId": "1", "accessToken": "t"}),
         "sso-oidc": ("create_token", {"clientId": "a", "clientSecret": "b", "grantType": "g"}),
         "iam": ("get_user", {})}

def url(client, service):
    seen = []
    def stop(request, **kwargs):
        seen.append(request.url)
        raise Sent()
    client.meta.events.register("before-send", stop)
    method, params = CALLS[service]
    try:
        getattr(client, method)(**params)
    except Sent:
        return seen[0]
    except Exception as exc:
        return type(exc).__name__
    return "no request"

plain = botocore.session.get_session()
out = {}
for region in json.loads(sys.argv[1]):
    for service in json.loads(sys.argv[2]):
        env = dict(os.environ)
        got = []
        try:  # a variant that does not exist there (dual-stack...): no client at all
            if service in aws.SERVICE_IDS:
                env["CHAMBER_AWS_REGION"] = region
                aws.reset_cache()
                ours = aws.client(service, Settings(environ=env), 1)
            else:
                ours = aws.session().create_client(service, region_name=region)
            got.append(url(ours, service))
        except Exception as exc:
            got.append("no client: " + " ".join(str(exc).split()))
        try:
            theirs = plain.create_client(service, region_name=region,
                                         config=Config(retries={"total_max_attempts": 1}))
            got.append(url(theirs, service))
        except Exception as exc:
            got.append("no client: " + " ".join(str(exc).split()))
        out[f"{service} {region}"] = got
print(json.dumps(out))
"""

SETTINGS = [
    {},
    {"AWS_USE_FIPS_ENDPOINT": "true"},
    {"AWS_USE_DUALSTACK_ENDPOINT": "true"},
    {"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
    {"AWS_S3_US_EAST_1_REGIONAL_ENDPOINT": "legacy", "AWS_STS_REGIONAL_ENDPOINTS": "legacy"},
    {"AWS_ENDPOINT_URL": "https://override.example:8443"},
    {"AWS_ENDPOINT_URL_SECRETS_MANAGER": "https://sm.example", "AWS_ENDPOINT_URL_S3": "https://s3.example",
     "AWS_ENDPOINT_URL_STS": "https://sts.example", "AWS_USE_FIPS_ENDPOINT": "true"},
]


def _urls(extra: dict[str, str]) -> dict[str, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CHAMBER_", "PYCHAMBER_"))}
    env.update(PYTHONPATH=str(SRC), AWS_ACCESS_KEY_ID="t", AWS_SECRET_ACCESS_KEY="t",
               AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.devnull,
               AWS_SHARED_CREDENTIALS_FILE=os.devnull, **extra)
    p = subprocess.run([sys.executable, "-c", CHILD, json.dumps(REGIONS), json.dumps(SERVICES)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_every_url_is_the_one_botocore_calls_with_its_own_data():
    differ = []
    total = urls = 0
    for extra in SETTINGS:
        for case, (ours, theirs) in _urls(extra).items():
            total += 1
            urls += theirs.startswith("https://")  # else botocore's error (no FIPS S3 in China...)
            if ours != theirs:
                differ.append(f"{extra} {case}: pychamber {ours}, botocore {theirs}")
    assert total == len(SETTINGS) * len(REGIONS) * len(SERVICES)
    assert urls > total * 0.85, urls
    assert not differ, f"{len(differ)} of {total} differ:\n" + "\n".join(differ)
