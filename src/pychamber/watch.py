"""Rotation without redeploy: watch the services' secrets and tell the supervisor when the
program should be restarted (or signalled) with new ones.

Every interval (with ±20 % jitter, so that a fleet does not poll in step) the store's cheapest
listing of each service (``Store.versions``: on SSM one GetParametersByPath without decryption)
is compared with what the program was started with. A change is acted on only once it has
settled (a second listing shows nothing further) and the new environment has been fetched and
checked as exec checks it; a change that would fail (``--strict``, the kernel's limits) keeps
the running program and is reported once. A service that lists none of its secrets, or loses
most of them at once (a store that lost its data, a broken answer), is acted on only once the
same listing has held over :attr:`Watcher.hold_polls` polls, with one line meanwhile.
``--splay`` waits a random time before acting, so that replicas do not restart together. A
failing poll is reported once, retried with backoff, and never stops the program. Lines name
keys and versions, never a value; a line that cannot be written (a closed stderr) never stops
the watching.

The baseline (what the program was started with) is listed before the first fetch, never
beside it: a change landing between the two then shows as a change at the first poll (at worst
one needless restart), where a listing taken after the fetch would hide it for ever.
"""

from __future__ import annotations

import random
import threading
from typing import Callable, Sequence

from pychamber.errors import ChamberError
from pychamber.model import key_of

Fingerprint = dict[str, dict[str, str]]  # service -> stored name -> version token


class Refused(ChamberError):
    """The new secrets would not make a valid environment (``--strict``, the kernel's limits,
    a file that is not ours): the change is not applied, and not retried until it changes again.
    Any other error while applying (the store failing) is retried at the next poll."""


def fingerprint(store, services: Sequence[str]) -> Fingerprint:
    return {s: store.versions(s) for s in services}


def mass_loss(old: Fingerprint, new: Fingerprint) -> list[str]:
    """``web lists 0 of its 3 secrets`` for each service that lost at least two secrets and more
    than half of them at once (a single key's deletion is an ordinary change)."""
    out = []
    for service, before in old.items():
        after = new.get(service, {})
        gone = len(set(before) - set(after))
        if gone >= 2 and 2 * gone > len(before):
            out.append(f"{service} lists {len(set(before) & set(after))} of its {len(before)} secrets")
    return out


def quiet(log: Callable[[str], None]) -> Callable[[str], None]:
    """``log`` that never raises: no line is worth stopping the watching for."""

    def say(line: str) -> None:
        try:
            log(line)
        except Exception:  # noqa: BLE001 - a closed stderr, a full disk
            pass

    return say


def describe(old: Fingerprint, new: Fingerprint) -> list[str]:
    """``svc/key 3 -> 4``, ``svc/key added``, ``svc/key removed``: names and versions only."""
    out = []
    for service in new:
        before, after = old.get(service, {}), new[service]
        for name in sorted(set(before) | set(after)):
            label = f"{service}/{key_of(name)}"
            if name not in before:
                out.append(f"{label} added")
            elif name not in after:
                out.append(f"{label} removed")
            elif before[name] != after[name]:
                out.append(f"{label} {before[name]} -> {after[name]}")
    return out


class Watcher(threading.Thread):
    """Polls in its own thread; ``act(summary)`` is called (from this thread) when a settled
    change should be delivered; ``act`` builds and hands over the new environment, raising
    :class:`Refused` when it would not be valid. ``baseline`` is the fingerprint the program
    was started with, a callable giving it, or None (the first poll's listing is it)."""

    #: polls over which a listing that lost most of a service's secrets must hold before it is applied
    hold_polls = 3

    def __init__(self, store, services: Sequence[str], baseline, interval: float,
                 splay: float, act: Callable[[str], None], log: Callable[[str], None],
                 settle: float | None = None, rng: random.Random | None = None):
        super().__init__(name="pychamber-watch", daemon=True)
        self.store = store
        self.services = list(services)
        self._baseline = baseline if callable(baseline) else None
        self.current: Fingerprint | None = None if callable(baseline) else baseline
        self.interval = max(interval, 0.05)
        self.splay = max(splay, 0.0)
        self.settle = self.interval / 4 if settle is None else settle
        self.act = act
        self.log = quiet(log)
        self.rng = rng or random.Random()
        self.stopped = threading.Event()
        self.polls = 0
        self._failing = False
        self._backoff = self.interval
        self._refused: Fingerprint | None = None
        self._suspect: Fingerprint | None = None  # a mass loss being held back
        self._suspect_polls = 0

    def stop(self) -> None:
        self.stopped.set()

    def _sleep(self, seconds: float) -> bool:
        """Sleep; False when told to stop meanwhile. A wait past what the platform can time
        (``--watch-interval=9999999999h``) is the longest it can (else OverflowError, and the
        watcher thread died with a traceback on stderr)."""
        return not self.stopped.wait(min(seconds, threading.TIMEOUT_MAX / 2))

    def _poll(self) -> Fingerprint:
        self.polls += 1
        return fingerprint(self.store, self.services)

    def run(self) -> None:
        backoff = self.interval
        if self._baseline is not None:
            self.current = self._baseline()
        while self._sleep(backoff * self.rng.uniform(0.8, 1.2)):
            try:
                backoff = self._once()
            except Exception as e:  # noqa: BLE001 - the watcher must never die, nor stop the program
                try:
                    backoff = self._failed(e)
                except Exception:  # noqa: BLE001
                    backoff = self.interval

    def _failed(self, e: Exception) -> float:
        text = str(e) if isinstance(e, ChamberError) else f"internal error ({type(e).__name__})"
        if not self._failing:
            self.log(f"pychamber: watching the secrets failed ({text}); the command keeps "
                     "running, retrying with backoff")
        self._failing = True
        self._backoff = min(self._backoff * 2, max(self.interval, 600.0))
        return self._backoff

    def _once(self) -> float:
        """One poll (and, on a settled change, one delivery). Returns the next wait."""
        seen: Fingerprint | None = self._poll()
        if self._failing:
            self.log("pychamber: watching the secrets again")
            self._failing = False
        self._backoff = self.interval
        if self.current is None:  # no baseline could be taken: this listing is it
            self.current = seen
            return self.interval
        if seen == self.current:
            self._suspect = None  # a loss held back is over: the listing is whole again
            return self.interval
        if seen == self._refused:
            return self.interval
        if self._suspect is not None and seen == self._suspect:
            self._suspect_polls += 1
            if self._suspect_polls < self.hold_polls:
                return self.interval
        else:
            settled = self._settled(seen)
            if settled is None or settled == self.current:
                return self.interval
            seen = settled
            lost = mass_loss(self.current, seen)
            if lost:
                self._suspect, self._suspect_polls = seen, 1
                self.log(f"pychamber: {', '.join(lost)} at once: not applied unless the listing holds over "
                         f"{self.hold_polls} polls; the command keeps running")
                return self.interval
        if self.splay and not self._sleep(self.rng.uniform(0, self.splay)):
            return self.interval
        summary = ", ".join(describe(self.current, seen)) or "secrets changed"
        try:
            self.act(summary)
        except Refused as e:
            self.log(f"pychamber: not applying the change ({summary}): {e}; the command keeps "
                     "running")
            self._refused = seen
            self._suspect = None
            return self.interval
        self.current = seen
        self._refused = None
        self._suspect = None
        return self.interval

    def _settled(self, seen: Fingerprint | None) -> Fingerprint | None:
        """Listings until one shows no further change (writes arrive in bursts)."""
        while True:
            if not self._sleep(self.settle):
                return None
            again = self._poll()
            if again == seen:
                return seen
            seen = again


def baseline_first(store, services: Sequence[str]) -> Callable[[], Fingerprint | None]:
    """List the services' versions now, before the first fetch (call it before fetching): the
    program then has values at least as new as the baseline, and a change landing in between is
    seen at the first poll. Costs one listing before the start (SSM: one GetParametersByPath
    without decryption per service). The callable returned gives the listing, None when it
    failed (then the first poll's listing is the baseline)."""
    try:
        found: Fingerprint | None = fingerprint(store, services)
    except Exception:  # noqa: BLE001 - the fetch reports the store's trouble; the first poll lists again
        found = None
    return lambda: found

