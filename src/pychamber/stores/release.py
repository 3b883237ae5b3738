"""A read-only store over releases (:mod:`pychamber.release`): what ``exec --release[=N]``,
``api.env(release=...)``, ``materialize --release`` and ``exec --files --release`` read through,
so that exec's names, precedence, strict and pristine rules stay exec's own and no Parameter
Store call is made.

Per service: the current release (or release N) is one S3 GetObject and one KMS Decrypt. An
opened release is kept for the life of the store: a pinned release N is never read twice (it
is immutable); the current one is asked for again only with its ETag (``If-None-Match``), which
S3 answers with an empty 304 while it has not moved, so ``exec --watch --release`` costs one
cheap conditional GET per interval and service and decrypts only when a publish or rollback
moved it. Errors are never turned into an empty service nor a fall back to the store.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from pychamber import aws
from pychamber.model import RawSecret, Secret, SecretMetadata
from pychamber.release import RELEASE_ENTRY, Release, Releases
from pychamber.stores.base import Store, concurrently

if TYPE_CHECKING:  # pragma: no cover
    from pychamber.settings import Settings


class ReleaseStore(Store):
    """Reads the services' releases: the current one (``number`` None) or release ``number``
    of every service. Every writing operation raises NotImplementedByStore."""

    name = "release"
    concurrent_listing = True

    def __init__(self, releases: Releases, number: int | None = None):
        self.releases = releases
        self.settings = releases.settings
        self.number = number
        self._opened: dict[str, Release] = {}
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    @classmethod
    def from_settings(cls, settings: "Settings", number: int | None = None,
                      retries: int | None = None) -> "ReleaseStore":
        return cls(Releases(settings, retries), number)

    def open(self, service: str, fresh: bool = True) -> Release:
        """The service's release: kept from before when pinned (or ``fresh`` is False), else
        asked for again with its ETag (304: the same release, nothing decrypted)."""
        with self._lock:
            lock = self._locks.setdefault(service, threading.Lock())
        with lock:  # the watcher's baseline and the first fetch: one GET and Decrypt between them
            known = self._opened.get(service)
            if known is not None and (self.number is not None or not fresh):
                return known
            with aws.command_deadline(self.settings, "read"):
                got = self.releases.fetch(service, self.number, known.etag if known else None)
                if got is None and known is not None:
                    return known
                assert got is not None
                body, etag = got
                release = self.releases.open_body(body, service, self.number, etag)
            self._opened[service] = release
            return release

    def list_raw(self, service: str) -> list[RawSecret]:
        return self.open(service).raw()

    def list_raw_many(self, services: list[str]) -> list[list[RawSecret]]:
        if len(services) <= 1:
            return [self.list_raw(s) for s in services]
        deadline = aws.current_deadline()

        def one(service: str) -> list[RawSecret]:
            with aws.within(deadline):
                return self.list_raw(service)

        return concurrently(one, services)

    def versions(self, service: str) -> dict[str, str]:
        """The watcher's fingerprint: the release number and each key's store version (a
        conditional GET of current; a Decrypt only when it moved)."""
        release = self.open(service)
        return {RELEASE_ENTRY: str(release.number), **release.versions()}

    def list(self, service: str, include_values: bool = False) -> list[Secret]:
        """The release's secrets with their store versions (``exec --dry-run``'s table), from
        the release already opened."""
        release = self.open(service, fresh=False)
        out = []
        for e in release.entries:
            version = int(e.version) if e.version.isdigit() else 0
            out.append(Secret(e.value if include_values else None,
                              SecretMetadata(version=version, key=e.key)))
        return out
