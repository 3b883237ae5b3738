"""Releases as a library (:mod:`pychamber.release`, :mod:`pychamber.stores.release`): publish,
open, list, diff, rollback against moto through a recording middleware (real botocore
clients, real KMS data keys, real AES-GCM), and every way an object may fail to open: missing,
altered, swapped between services or numbers, sealed by another key or by someone without one,
and the bucket unreachable."""

from __future__ import annotations

import os
import time

import pytest
from release_fixtures import BUCKET, boto, write

from pychamber import api, aws
from pychamber.errors import ChamberError
from pychamber.release import (Entry, Releases, encryption_context, object_key, parse_selector,
                               read_header, seal)
from pychamber.settings import Settings
from pychamber.stores.release import ReleaseStore

pytest_plugins = ("release_fixtures",)  # the recorder fixture


@pytest.fixture
def lib(recorder, monkeypatch):
    """(recorder, settings, the SSM store) with this process's environment the recorder's."""
    for k in list(os.environ):
        if k not in recorder.env:
            monkeypatch.delenv(k)
    for k, v in recorder.env.items():
        monkeypatch.setenv(k, v)
    aws.reset_cache()
    settings = Settings(environ=dict(os.environ))
    yield recorder, settings, api.store_from(settings)
    aws.reset_cache()


def s3_body(rec, key: str) -> bytes:
    return boto(rec.url, "s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()


def s3_put(rec, key: str, body: bytes) -> None:
    boto(rec.url, "s3").put_object(Bucket=BUCKET, Key=key, Body=body)


# --- pure parts ----------------------------------------------------------------------------------
def test_selector():
    assert parse_selector(None) is None
    assert parse_selector("current") is None
    assert parse_selector("12") == 12
    assert parse_selector(3) == 3
    for bad in ("0", "-1", "x", "1.5", "٣"):
        with pytest.raises(ChamberError, match='for "--release" flag: a release number'):
            parse_selector(bad)


def test_object_keys():
    assert object_key("", "web", None) == "web/current"
    assert object_key("p/q", "team/web", 7) == "p/q/team/web/releases/000007"
    assert encryption_context("web", 7) == {"pychamber:service": "web", "pychamber:release": "7"}


def test_entries_never_show_a_value():
    assert "hunter2" not in repr(Entry("/web/db", "hunter2", "1"))


def test_seal_binds_header_and_content():
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = AESGCM.generate_key(256)
    body = seal("web", 3, [Entry("/web/a", "s3cr3t-value", "1")], "me", "arn:key", key, b"blob")
    header, head, sealed = read_header(body, "x")
    assert (header.service, header.number, header.keys, header.data_key) == ("web", 3, 1, b"blob")
    assert b"s3cr3t" not in body
    assert AESGCM(key).decrypt(header.nonce, sealed, head).startswith(b'{"service":"web"')
    with pytest.raises(ChamberError, match="is not a pychamber release"):
        read_header(b"garbage", "s3://b/k")


@pytest.mark.parametrize("head", [
    b"[" * 100_000,  # nested past the interpreter's recursion limit
    b'{"format":"pychamber-release/1","service":"s","release":Infinity,"published":"","publisher":"",'
    b'"keys":1,"kms_key":"k","data_key":"","nonce":""}',
])
def test_a_header_altered_past_json_is_one_line(head):
    """Before: RecursionError / OverflowError, an internal error instead of the refusal."""
    with pytest.raises(ChamberError, match="is not a pychamber release"):
        read_header(head + b"\nsealed", "s3://b/k")


# --- publish and open ----------------------------------------------------------------------------
def test_publish_open_list_rollback_and_no_duplicate(lib):
    rec, settings, store = lib
    write(rec.url, "web", {"db_password": "one", "api_key": "k€y=\n\"x\""})
    releases = Releases(settings)
    [first] = releases.publish(store, ["web"])
    assert (first.number, first.new) == (1, True)
    opened = releases.open("web")
    assert opened.number == 1
    assert {e.key: e.value for e in opened.entries} == {"/web/api_key": "k€y=\n\"x\"",
                                                        "/web/db_password": "one"}
    assert {e.version for e in opened.entries} == {"1"}  # Parameter Store's own versions
    assert opened.header.publisher == "arn:aws:sts::123456789012:user/moto"
    assert opened.header.kms_key == rec.keys["alias/parameter_store_key"]

    # the same content again: no new release
    [again] = releases.publish(store, ["web"])
    assert (again.number, again.new) == (1, False)
    assert releases.numbers("web") == [1]

    write(rec.url, "web", {"db_password": "two"})
    [second] = releases.publish(store, ["web"])
    assert (second.number, second.new) == (2, True)
    listed = releases.list_releases("web")
    assert [(r.number, r.keys, r.current) for r in listed] == [(1, 2, False), (2, 2, True)]

    # the diff of release 1 against the store: one key changed, by version
    diff = releases.diff(store, "web", 1)
    assert diff.changed == [("db_password", "1", "2")] and not diff.added and not diff.removed
    assert releases.diff(store, "web").same

    rec.take()
    releases.rollback("web", 1)
    calls = rec.take()
    assert calls == {"s3:GetObject": 1, "kms:Decrypt": 1, "s3:CopyObject": 1}  # one write
    assert releases.open("web").number == 1
    assert [r.current for r in releases.list_releases("web")] == [True, False]
    # releases are never rewritten: release 2's object is as it was
    assert {e.key: e.value for e in releases.open("web", 2).entries}["/web/db_password"] == "two"

    # publishing the store (= release 2's content) moves current back to 2, no release 3
    [back] = releases.publish(store, ["web"])
    assert (back.number, back.new, back.moved) == (2, False, True)
    assert releases.numbers("web") == [1, 2]
    assert releases.open("web").number == 2


def test_publish_refuses_an_empty_service(lib):
    rec, settings, store = lib
    with pytest.raises(ChamberError, match="service nothing has no secrets in the store"):
        Releases(settings).publish(store, ["nothing"])


def test_two_publishers_never_take_one_number(lib):
    """A publisher that read a stale list of numbers meets If-None-Match: * and takes the next."""
    rec, settings, store = lib
    write(rec.url, "web", {"a": "1"})
    releases = Releases(settings)
    releases.publish(store, ["web"])
    write(rec.url, "web", {"a": "2"})

    class Stale(Releases):
        calls = 0

        def numbers(self, service):
            self.calls += 1
            real = super().numbers(service)
            if self.calls == 1:  # another publisher takes release 2 (and current) meanwhile
                other = Releases(settings)
                current = other.open("web")
                body = other._seal("web", 2, [Entry("/web/a", "other", "7")], "other")
                assert other._put("web", 2, body, if_none_match=True)
                assert other._put("web", None, body, if_match=current.etag)
            return real

    rec.take()
    [done] = Stale(settings).publish(store, ["web"])
    assert done.number == 3
    puts = [h for api_, _, h, _ in rec.requests if api_ == "s3:PutObject"]
    assert len(puts) == 5  # 2 by the other publisher, the refused one, then release 3 and current
    assert all(h.get("if_none_match") == "*" or h.get("if_match") for h in puts), puts
    assert read_header(s3_body(rec, object_key("", "web", 2)), "x")[0].publisher == "other"
    assert {e.value for e in releases.open("web").entries} == {"2"}


def test_release_store_reads_one_get_and_one_decrypt_per_service(lib):
    rec, settings, store = lib
    write(rec.url, "web", {"a": "1"})
    write(rec.url, "api", {"b": "2"})
    Releases(settings).publish(store, ["web", "api"])
    rec.take()
    rstore = ReleaseStore.from_settings(settings)
    assert [[(s.key, s.value) for s in got] for got in rstore.list_raw_many(["web", "api"])] == [
        [("/web/a", "1")], [("/api/b", "2")]]
    assert rec.take() == {"s3:GetObject": 2, "kms:Decrypt": 2}
    # asked again: a conditional GET answered 304, nothing decrypted
    assert rstore.versions("web") == {"(release)": "1", "/web/a": "1"}
    assert rec.take() == {"s3:GetObject": 1}
    # a pinned release is read once
    pinned = ReleaseStore.from_settings(settings, 1)
    pinned.list_raw("web")
    pinned.list_raw("web")
    pinned.versions("web")
    assert rec.take() == {"s3:GetObject": 1, "kms:Decrypt": 1}


def test_api_env_reads_the_release(lib):
    rec, settings, store = lib
    write(rec.url, "web", {"db_password": "one"})
    Releases(settings).publish(store, ["web"])
    write(rec.url, "web", {"db_password": "two"})  # not published
    rec.take()
    assert api.env("web", release=True) == {"DB_PASSWORD": "one"}
    assert api.env("web", release=1) == {"DB_PASSWORD": "one"}
    assert api.env("web") == {"DB_PASSWORD": "two"}
    calls = rec.take()
    assert calls["ssm:GetParametersByPath"] == 1  # the last one only


# --- failures: one line, never a fallback ------------------------------------------------------
def _opens(settings, service="web", number=None):
    return ReleaseStore.from_settings(settings, number).list_raw(service)


@pytest.fixture
def published(lib):
    rec, settings, store = lib
    write(rec.url, "web", {"db_password": "s3cr3t-one"})
    write(rec.url, "api", {"token": "s3cr3t-api"})
    releases = Releases(settings)
    releases.publish(store, ["web", "api"])
    write(rec.url, "web", {"db_password": "s3cr3t-two"})
    releases.publish(store, ["web"])
    rec.take()
    return rec, settings, store


def _refused(settings, match, **kw):
    with pytest.raises(ChamberError) as info:
        _opens(settings, **kw)
    message = info.value.message
    assert "\n" not in message and "s3cr3t" not in message
    assert match in message, message
    return message


def test_missing(published):
    rec, settings, _ = published
    _refused(settings, "no release of service nothing in s3://releases/nothing/current: publish "
             "one with `pychamber release publish nothing`", service="nothing")
    _refused(settings, "release 9 of service web does not exist (s3://releases/web/releases/000009)",
             number=9)


def test_tampered_content_and_header(published):
    rec, settings, _ = published
    key = object_key("", "web", None)
    body = bytearray(s3_body(rec, key))
    body[-20] ^= 1
    s3_put(rec, key, bytes(body))
    _refused(settings, "s3://releases/web/current failed authentication: it was altered after it "
             "was sealed; refused")
    good = s3_body(rec, object_key("", "web", 2))
    s3_put(rec, key, good.replace(b'"publisher":"arn', b'"publisher":"ARN', 1))
    _refused(settings, "failed authentication: it was altered")
    s3_put(rec, key, b"hello")
    _refused(settings, "s3://releases/web/current is not a pychamber release")


def test_swapped_between_services(published):
    rec, settings, _ = published
    s3_put(rec, object_key("", "web", None), s3_body(rec, object_key("", "api", None)))
    _refused(settings, "holds a release of service 'api', not 'web': refused (an object swapped "
             "between services)")
    # the header rewritten to say web: KMS refuses the data key (its context says api)
    body = s3_body(rec, object_key("", "api", None)).replace(b'"service":"api"', b'"service":"web"', 1)
    s3_put(rec, object_key("", "web", None), body)
    _refused(settings, "KMS did not open its data key with alias/parameter_store_key for service "
             "web, release 1")


def test_swapped_between_numbers(published):
    rec, settings, _ = published
    one = s3_body(rec, object_key("", "web", 1))
    s3_put(rec, object_key("", "web", 2), one)
    _refused(settings, "s3://releases/web/releases/000002 holds release 1, not 2: refused", number=2)
    s3_put(rec, object_key("", "web", 2), one.replace(b'"release":1', b'"release":2', 1))
    _refused(settings, "KMS did not open its data key", number=2)


def test_foreign_key_and_no_key(published):
    rec, settings, _ = published
    # sealed with another KMS key (someone with a key of their own)
    kms = boto(rec.url, "kms")
    resp = kms.generate_data_key(KeyId="alias/other", KeySpec="AES_256",
                                 EncryptionContext=encryption_context("web", 3))
    forged = seal("web", 3, [Entry("/web/db_password", "evil", "9")], "mallory",
                  resp["KeyId"], resp["Plaintext"], resp["CiphertextBlob"])
    s3_put(rec, object_key("", "web", None), forged)
    _refused(settings, "KMS did not open its data key with alias/parameter_store_key")
    # sealed by someone without any KMS key: a data key of their own
    forged = seal("web", 3, [Entry("/web/db_password", "evil", "9")], "mallory", "none",
                  os.urandom(32), os.urandom(150))
    s3_put(rec, object_key("", "web", None), forged)
    _refused(settings, "KMS did not open its data key")


def test_kms_refusing(published):
    rec, settings, _ = published
    rec.fail["kms:Decrypt"] = ("400 Bad Request", b'{"__type":"AccessDeniedException","message":'
                               b'"User is not authorized to perform: kms:Decrypt"}')
    message = _refused(settings, "not authorized to perform: kms:Decrypt")
    assert "KMS did not open its data key" in message


def test_bucket_missing_and_unreachable(published, monkeypatch):
    rec, settings, _ = published
    other = Settings(environ=dict(settings.environ, PYCHAMBER_RELEASE_BUCKET="nope"))
    _refused(other, "Failed to read the current release of web: operation error S3: GetObject")
    # nothing listens: one line, within PYCHAMBER_TIMEOUT
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    aws.reset_cache()
    down = Settings(environ=dict(os.environ, PYCHAMBER_TIMEOUT="3", CHAMBER_RETRIES="10"))
    start = time.monotonic()
    _refused(down, "could not connect to the endpoint URL")
    assert time.monotonic() - start < 20


def test_no_bucket(lib):
    _, settings, _ = lib
    bare = Settings(environ={k: v for k, v in settings.environ.items() if k != "PYCHAMBER_RELEASE_BUCKET"})
    with pytest.raises(ChamberError, match="no release bucket: set PYCHAMBER_RELEASE_BUCKET"):
        _opens(bare)


def test_publish_over_a_broken_current_release_is_refused(published):
    rec, settings, store = published
    s3_put(rec, object_key("", "web", None), b"hello")
    write(rec.url, "web", {"db_password": "s3cr3t-three"})
    with pytest.raises(ChamberError, match=r"Failed to publish \(the current release does not open: "
                       r"fix or roll back first\): s3://releases/web/current is not a pychamber"):
        Releases(settings).publish(store, ["web"])
    assert Releases(settings).numbers("web") == [1, 2]  # nothing written
    Releases(settings).rollback("web", 2)
    assert Releases(settings).publish(store, ["web"])[0].number == 3
