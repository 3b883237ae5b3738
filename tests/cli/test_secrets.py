"""The core commands end to end against moto's server (SSM): run_cli, in-process on a fake console."""

from __future__ import annotations

import json

import pytest

TRICKY = [
    'say "hi"', "it's", "a=b", "$HOME", "x`y", "line1\nline2", "crlf\r\nend", "a\tb", "back\\slash",
    "héllo ☃", "x😀y", "<>&", "!bang", "trailing newline\n", " lead and trail ", "-starts-with-dash",
    "é" * 2000,  # 4000 bytes
    "k" * 4096,
]


def stored(ssm_client, name):
    p = ssm_client.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    d = ssm_client.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}])
    return p, d["Parameters"][0]


def ts(dt):
    return dt.astimezone().strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
def run(run_cli):
    def go(*args, **kw):
        extra = dict(kw.pop("env_extra", None) or {})
        extra.setdefault("TZ", "UTC")
        return run_cli(*args, env_extra=extra, **kw)
    return go


def test_write_stores_what_chamber_stores(run, ssm_client):
    r = run("write", "MySvc", "DB_Password", "hunter2", check=True)
    assert (r.stdout, r.stderr) == ("", "")
    p, d = stored(ssm_client, "/mysvc/db_password")
    assert p["Value"] == "hunter2" and p["Type"] == "SecureString"
    assert d["KeyId"] == "alias/parameter_store_key" and d["Description"] == "1"
    run("write", "mysvc", "db_password", "hunter3", check=True)
    p, d = stored(ssm_client, "/mysvc/db_password")
    assert (p["Value"], d["Description"]) == ("hunter3", "2")


KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:eu-west-1:111122223333:key/{KEY_ID}"  # another region and account


@pytest.mark.parametrize("alias,want", [
    ("my-key", "alias/my-key"), ("alias/x", "alias/x"), ("", "alias/"),
    (KEY_ID, KEY_ID), (KEY_ARN, KEY_ARN), ("mrk-" + "0" * 32, "mrk-" + "0" * 32),
    ("arn:aws:kms:us-west-2:111122223333:alias/other", "arn:aws:kms:us-west-2:111122223333:alias/other"),
])
def test_kms_key_alias_from_env(run, ssm_client, alias, want):
    run("write", "svc", "k", "v", env_extra={"CHAMBER_KMS_KEY_ALIAS": alias}, check=True)
    assert stored(ssm_client, "/svc/k")[1]["KeyId"] == want


@pytest.mark.parametrize("value", TRICKY, ids=range(len(TRICKY)))
def test_tricky_values_round_trip(run, ssm_client, value):
    args = ["write", "svc", "k", "--", value] if value.startswith("-") else ["write", "svc", "k", value]
    run(*args, check=True)
    assert stored(ssm_client, "/svc/k")[0]["Value"] == value
    r = run("read", "-q", "svc", "k", check=True)
    assert r.stdout_bytes == (value + "\n").encode()


def test_write_from_stdin_keeps_trailing_newline(run, ssm_client):
    run("write", "svc", "k", "-", input=b"x\r\ny\n", check=True)
    assert stored(ssm_client, "/svc/k")[0]["Value"] == "x\r\ny\n"
    run("write", "-s", "svc", "k2", "-", input=b"first\nsecond\n", check=True)
    assert stored(ssm_client, "/svc/k2")[0]["Value"] == "first"


def test_skip_unchanged(run, ssm_client):
    run("write", "svc", "k", "v", check=True)
    run("write", "--skip-unchanged", "svc", "k", "v", check=True)
    assert stored(ssm_client, "/svc/k")[1]["Description"] == "1"
    run("write", "--skip-unchanged", "svc", "k", "w", check=True)
    assert stored(ssm_client, "/svc/k")[1]["Description"] == "2"


def test_write_with_tags(run, ssm_client):
    run("write", "svc", "k", "v", "--tags", "team=core,infra", "-t", "a=1,b=2", check=True)
    tags = ssm_client.list_tags_for_resource(ResourceType="Parameter", ResourceId="/svc/k")["TagList"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "core,infra", "a": "1", "b": "2"}
    r = run("write", "svc", "k", "v2", "-t", "x=y")
    assert (r.returncode, r.stderr) == (1, "Error: tags on write only supported for new secrets\n")


def test_read_table_and_versions(run, ssm_client):
    for v in ("one", "two", "three"):
        run("write", "svc", "key", v, check=True)
    _, d = stored(ssm_client, "/svc/key")
    r = run("read", "svc", "KEY", check=True)
    assert r.stdout == ("Key\tValue\tVersion\t\tLastModified\t\tUser\n"
                        f"key\tthree\t3\t\t{ts(d['LastModifiedDate'])}\tN/A\n")
    assert run("read", "-q", "-v", "1", "svc", "key", check=True).stdout == "one\n"
    assert run("read", "svc", "key", "--version", "2", "-q", check=True).stdout == "two\n"
    r = run("read", "-v", "9", "svc", "key")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "Error: Failed to read: secret not found\n")
    r = run("read", "svc", "missing")
    assert (r.returncode, r.stderr) == (1, "Error: Failed to read: secret not found\n")


def test_list_flags_and_order(run, ssm_client):
    run("write", "svc", "b", "vb", check=True)
    run("write", "svc", "a", "va", check=True)
    run("write", "svc", "a", "va2", check=True)
    run("write", "svc/nested", "x", "vx", check=True)
    run("write", "svclonger", "c", "vc", check=True)
    ssm_client.put_parameter(Name="/svc/frgn", Value="f", Type="String")  # no Description: version 0
    ssm_client.put_parameter(Name="/svc/bad name", Value="f", Type="String")  # filtered out
    r = run("list", "svc", check=True)
    lines = r.stdout.splitlines()
    assert lines[0] == "Key\tVersion\t\tLastModified\t\tUser"
    assert [ln.split("\t")[0] for ln in lines[1:]] == ["a", "b", "frgn"]
    assert [ln.split("\t")[1] for ln in lines[1:]] == ["2", "1", "0"]
    r = run("list", "-e", "svc", check=True)
    assert r.stdout.splitlines()[0] == "Key\tVersion\t\tLastModified\t\tUser\tValue"
    assert [ln.rsplit("\t", 1)[1] for ln in r.stdout.splitlines()[1:]] == ["va2", "vb", "f"]
    r = run("list", "-v", "svc", check=True)
    assert [ln.split("\t")[0] for ln in r.stdout.splitlines()[1:]] == ["frgn", "b", "a"]
    r = run("list", "empty", check=True)
    assert r.stdout == "Key\tVersion\t\tLastModified\tUser\n"


def test_list_services_and_find(run, ssm_client):
    for svc, key, val in [("app", "db", "x"), ("app/sub", "db", "y"), ("apple", "s3_bucket", "x"),
                          ("other", "s3_bucket_base", "z")]:
        run("write", svc, key, val, check=True)
    assert run("list-services", check=True).stdout == "Service\napp\napp/sub\napple\nother\n"
    assert run("list-services", "APP", check=True).stdout == "Service\napp\napp/sub\napple\n"
    assert run("list-services", "-s", "app/", check=True).stdout == "Service\n/app/db\n/app/sub/db\n"
    assert run("find", "s3_bucket", check=True).stdout == "Service\napple\n"
    assert sorted(run("find", "db", check=True).stdout.splitlines()) == ["Service", "app", "app/sub"]
    r = run("find", "-v", "x", check=True)
    assert r.stdout.splitlines()[0] == "Service\t\tKey"
    assert sorted(r.stdout.splitlines()[1:]) == ["app\t\tdb", "apple\t\ts3_bucket"]


def test_history(run, ssm_client):
    run("write", "svc", "k", "1", check=True)
    run("write", "svc", "k", "2", check=True)
    hist = ssm_client.get_parameter_history(Name="/svc/k")["Parameters"]
    r = run("history", "svc", "k", check=True)
    assert r.stdout == ("Event\t\tVersion\t\tDate\t\t\tUser\n"
                        f"Created\t\t1\t\t{ts(hist[0]['LastModifiedDate'])}\tN/A\n"
                        f"Updated\t\t2\t\t{ts(hist[1]['LastModifiedDate'])}\tN/A\n")
    r = run("history", "svc", "nope")
    assert (r.returncode, r.stderr) == (1, "Error: Failed to get history: secret not found\n")


def test_delete(run, ssm_client):
    run("write", "svc", "k", "v", check=True)
    run("delete", "svc", "K", check=True)
    r = run("delete", "svc", "k")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "Error: secret not found\n")
    ssm_client.put_parameter(Name="/svc/UPPER", Value="u", Type="SecureString")
    assert run("delete", "svc", "UPPER").stderr == "Error: secret not found\n"
    run("delete", "--exact-key", "svc", "UPPER", check=True)
    assert ssm_client.describe_parameters()["Parameters"] == []


def test_tag_commands_and_required_tags(run, ssm_client):
    run("write", "svc", "k", "v", check=True)
    r = run("tag", "write", "svc", "k", "team=core", "owner=me", check=True)
    assert r.stdout == "Key\tValue\nteam\tcore\nowner\tme\n"
    r = run("tag", "read", "svc", "k", check=True)
    assert sorted(r.stdout.splitlines()[1:]) == ["owner\tme", "team\tcore"]
    run("tag", "delete", "svc", "k", "owner", check=True)
    assert run("tag", "read", "svc", "k", check=True).stdout == "Key\tValue\nteam\tcore\n"
    run("tag", "write", "--delete-other-tags", "svc", "k", "x=1", check=True)
    assert run("tag", "read", "svc", "k", check=True).stdout == "Key\tValue\nx\t1\n"
    r = run("tag", "read", "svc", "missing")
    assert (r.returncode, r.stderr) == (1, "Error: Failed to read tags: secret not found\n")

    ssm_client.put_parameter(Name="/_chamber/store-config", Type="SecureString", Description="1",
                             Value=json.dumps({"version": "1", "requiredTags": ["team", "owner"]}))
    r = run("write", "svc", "new", "v")
    assert (r.returncode, r.stderr) == (1, "Error: required tags [team owner] are missing\n")
    run("write", "svc", "new", "v", "-t", "team=a,owner=b", check=True)
    run("write", "svc", "new", "v2", check=True)  # existing secrets need no tags
    r = run("tag", "delete", "svc", "new", "team")
    assert r.stderr == "Error: Failed to delete tags: required tags [team] may not be deleted\n"
    r = run("tag", "write", "--delete-other-tags", "svc", "new", "other=1")
    assert r.stderr == ("Error: Failed to write tags: required tags [team owner] are already present, "
                        "so they must be rewritten\n")


def test_aws_errors_are_one_line(run):
    r = run("write", "aws", "k", "v")  # /aws/... is reserved by Parameter Store
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert r.stderr.startswith("Error: operation error SSM: PutParameter, https response error StatusCode: 400")
    assert "AccessDeniedException" in r.stderr


def test_an_empty_value_is_refused_before_any_call_with_the_rule_import_applies(run, ssm_client):
    r = run("write", "svc", "k", "")
    assert (r.returncode, r.stderr) == (1, "Error: Failed to write secret k: the value is empty "
                                           "(Parameter Store refuses empty values)\n")
    r = run("import", "svc", "-", input='{"a": "", "b": "1", "c": ""}')
    assert (r.returncode, r.stderr) == (1, "Error: Failed to import: key 'a': the value is empty "
                                           "(Parameter Store refuses empty values); key 'c': the value "
                                           "is empty (Parameter Store refuses empty values); nothing "
                                           "was written\n")
    assert ssm_client.describe_parameters()["Parameters"] == []


def test_import_names_every_offending_key_up_to_ten(run):
    data = {f"k{i:02d}": "" for i in range(13)}
    r = run("import", "svc", "-", input=json.dumps(data))
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert [f"key 'k{i:02d}'" in r.stderr for i in range(13)] == [True] * 10 + [False] * 3
    assert r.stderr.endswith("; and 3 more; nothing was written\n")


BIG = "x" * 4097
HUGE = "é" * 4097  # 8194 bytes


def test_write_and_import_refuse_a_value_over_the_tier_limit_before_any_call(run, ssm_client):
    # (write without --tier sends it, as chamber: tests/cli/test_write_tier.py)
    r = run("write", "--tier", "advanced", "svc", "huge", HUGE)
    assert (r.returncode, r.stderr) == (1, "Error: Failed to write secret huge: the value is 8194 "
                                           "bytes, over the 8192-byte limit of --tier advanced (the "
                                           "largest tier)\n")
    r = run("import", "svc", "-", input=json.dumps({"ok": "1", "big": BIG}))
    assert r.returncode == 1 and r.stderr.startswith(
        "Error: Failed to import: key 'big': the value is 4097 bytes, over the 4096-byte limit")
    assert "--tier advanced" in r.stderr
    assert ssm_client.describe_parameters()["Parameters"] == []
    r = run("write", "--tier", "premium", "svc", "k", "v")
    assert (r.returncode, r.stderr) == (1, "Error: invalid --tier 'premium': use standard, advanced, "
                                           "intelligent-tiering\n")


@pytest.mark.parametrize("tier,api", [("advanced", "Advanced"), ("Intelligent-Tiering", "Intelligent-Tiering")])
def test_write_and_import_with_a_tier(run, ssm_client, tier, api):
    run("write", "--tier", tier, "svc", "big", BIG, check=True)
    p, d = stored(ssm_client, "/svc/big")
    assert (p["Value"], d["Tier"], d["Description"]) == (BIG, api, "1")
    run("import", "--tier", tier, "svc", "-", input=json.dumps({"a": BIG, "b": "small"}), check=True)
    assert [stored(ssm_client, n)[1]["Tier"] for n in ("/svc/a", "/svc/b")] == [api, api]
    assert run("read", "-q", "svc", "a", check=True).stdout == BIG + "\n"


def test_without_tier_no_tier_is_sent_as_chamber(run, ssm_client):
    run("write", "svc", "k", "v", check=True)
    assert stored(ssm_client, "/svc/k")[1]["Tier"] == "Standard"  # the default, not ours


def test_tier_on_a_backend_without_tiers(run, tmp_path):
    env = {"CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_PATH": str(tmp_path / "s.db"),
           "PYCHAMBER_LOCAL_KEY": "A" * 43 + "="}
    r = run("write", "--tier", "advanced", "svc", "k", "v", env_extra=env)
    assert (r.returncode, r.stderr) == (1, "Error: Unable to use --tier with this backend.\n")
    r = run("import", "--tier", "advanced", "svc", "-", input='{"a": "1"}', env_extra=env)
    assert (r.returncode, r.stderr) == (1, "Error: Unable to use --tier with this backend.\n")


def test_read_exact_key_reads_a_key_with_capitals(run, ssm_client):
    ssm_client.put_parameter(Name="/svc/DB_Url", Value="u", Type="SecureString", Description="1")
    r = run("read", "svc", "DB_Url")
    assert (r.returncode, r.stderr) == (1, "Error: Failed to read: secret not found\n")
    assert run("read", "--exact-key", "-q", "svc", "DB_Url", check=True).stdout == "u\n"
    r = run("read", "--exact-key", "svc", "DB_Url", check=True)
    assert r.stdout.splitlines()[1].split("\t")[0] == "DB_Url"
    r = run("read", "--exact-key", "svc", "bad key")
    assert r.returncode == 1 and r.stderr.startswith("Error: Failed to validate key: ")


@pytest.mark.parametrize("env,needle", [
    ({"AWS_DEFAULT_REGION": None}, "region"),
    ({"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}, "credentials"),
    ({"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "CHAMBER_RETRIES": "1"}, "127.0.0.1:9"),
])
def test_environment_errors_are_one_line(run, env, needle):
    r = run("read", "svc", "k", env_extra=env)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, r.stderr
    assert needle in r.stderr
    assert "Traceback" not in r.stderr


def test_region_from_aws_region_and_chamber_aws_region(run, ssm_client):
    run("write", "svc", "k", "v", env_extra={"AWS_DEFAULT_REGION": None, "AWS_REGION": "us-east-1"}, check=True)
    run("write", "svc", "k2", "v", env_extra={"CHAMBER_AWS_REGION": "eu-west-1"}, check=True)
    names = [p["Name"] for p in ssm_client.describe_parameters()["Parameters"]]
    assert names == ["/svc/k"]  # k2 went to eu-west-1


def test_chamber_aws_ssm_endpoint(run, moto_server):
    r = run("write", "svc", "k", "v",
            env_extra={"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "CHAMBER_AWS_SSM_ENDPOINT": moto_server})
    assert r.returncode == 0, r.stderr


def test_verbose_never_prints_values(run):
    secret = "sup3r-s3cret-value"
    run("--verbose", "write", "svc", "k", secret, check=True)
    for args in (["read", "svc", "k"], ["list", "-e", "svc"], ["history", "svc", "k"]):
        r = run("--verbose", *args, check=True)
        assert secret not in r.stderr


def test_mfa_profile_without_a_terminal_fails_at_once(run, tmp_path):
    config = tmp_path / "mfa_config"
    config.write_text("[profile base]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
                      "[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n"
                      "mfa_serial = arn:aws:iam::123456789012:mfa/me\n")
    r = run("read", "svc", "k", input=b"", env_extra={
        "AWS_CONFIG_FILE": str(config), "AWS_PROFILE": "mfa", "AWS_ACCESS_KEY_ID": None,
        "AWS_SECRET_ACCESS_KEY": None})
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "needs an MFA code" in r.stderr and "aws-vault exec" in r.stderr


def test_local_write_and_import_both_accept_an_empty_value(run, tmp_path):
    env = {"CHAMBER_SECRET_BACKEND": "local", "PYCHAMBER_LOCAL_PATH": str(tmp_path / "s.db"),
           "PYCHAMBER_LOCAL_KEY": "A" * 43 + "="}
    run("write", "svc", "empty", "", env_extra=env, check=True)
    run("write", "svc", "full", "v", env_extra=env, check=True)
    exported = run("export", "svc", env_extra=env, check=True).stdout
    r = run("import", "copy", "-", input=exported, env_extra=env, check=True)
    assert r.stdout == "Successfully imported 2 secrets\n"
    assert json.loads(run("export", "copy", env_extra=env, check=True).stdout) == {"empty": "", "full": "v"}


def test_concurrent_writers_of_one_key_warn_of_a_shared_version(run, aws_env, ssm_client):
    from conftest import run_concurrently

    run("write", "svc", "k", "v0", check=True)
    n = 6
    results = run_concurrently([["write", "svc", "k", "-"] for _ in range(n)], aws_env,
                               [f"v{i + 1}".encode() for i in range(n)])
    assert [rc for rc, _, _ in results] == [0] * n
    warned = [err.decode() for _, _, err in results if err]
    assert all(w.startswith("warning: /svc/k has chamber version ") and w.count("\n") == 1
               for w in warned), warned
    hist = sorted(ssm_client.get_parameter_history(Name="/svc/k", WithDecryption=True)["Parameters"],
                  key=lambda h: h["Version"])
    assert len(hist) == n + 1  # no write lost in Parameter Store's own history
    by_number: dict[str, list[dict]] = {}
    for h in hist:
        by_number.setdefault(h["Description"], []).append(h)
    for number, entries in by_number.items():
        if len(entries) > 1:  # a collision: some writer said so, and read -v picks the newest
            assert any(f"chamber version {number} more than once" in w for w in warned), (number, warned)
            r = run("read", "-q", "-v", number, "svc", "k", check=True)
            assert r.stdout == entries[-1]["Value"] + "\n"
            assert f"read -v {number} reads the newest ({entries[-1]['Version']})" in r.stderr
    r = run("history", "svc", "k", check=True)
    assert [ln.split("\t")[0] != "" for ln in r.stdout.splitlines()[1:]] == [True] * (n + 1)
    assert [ln.split()[1] for ln in r.stdout.splitlines()[1:]] == [h["Description"] for h in hist]


LISTING_BACKENDS = {
    "secretsmanager": ["-b", "secretsmanager"],
    "s3": ["-b", "s3", "--backend-s3-bucket", "listing-bucket"],
    "s3-kms": ["-b", "s3-kms", "--backend-s3-bucket", "listing-bucket"],
}


@pytest.mark.parametrize("backend", sorted(LISTING_BACKENDS))
def test_list_services_and_find_on_every_backend_print_what_ssm_prints(run, aws_client, backend):
    """chamber answers "... Backend is experimental and does not implement this command"."""
    aws_client("s3").create_bucket(Bucket="listing-bucket")
    data = [("app", "db", "x"), ("app/sub", "db", "y"), ("apple", "s3_bucket", "x"),
            ("other", "s3_bucket_base", "z")]
    commands = [("list-services",), ("list-services", "APP"), ("list-services", "-s", "app/"),
                ("find", "s3_bucket"), ("find", "db"), ("find", "-v", "x"), ("find", "nothing")]
    outputs = {}
    for name, flags in (("ssm", []), (backend, LISTING_BACKENDS[backend])):
        for svc, key, val in data:
            run(*flags, "write", svc, key, val, check=True)
        outputs[name] = [run(*flags, *c, check=True).stdout for c in commands]
    assert outputs[backend] == outputs["ssm"]
    assert outputs["ssm"][0] == "Service\napp\napp/sub\napple\nother\n"
    assert outputs["ssm"][5] == "Service\t\tKey\napp\t\tdb\napple\t\ts3_bucket\n"
