"""Rotation without redeploy: watch the services' secrets and tell the supervisor when the
program should be restarted (or signalled) with new ones.

Every interval (with ±20 % jitter, so that a fleet does not poll in step) the store's cheapest
listing of each service (``Store.versions``: on SSM one GetParametersByPath without decryption)
is compared with what the program was started with. A change is acted on only once it has
settled (a second listing shows nothing further) and the new environment has been fetched and
checked as exec checks it; a change that would fail (``--strict``, the kernel's limits) keeps
the running program and is reported once. ``--splay`` waits a random time before acting, so
that replicas do not restart together. A failing poll is reported once, retried with backoff,
and never stops the program. Lines name keys and versions, never a value.
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
    was started with, a callable giving it (taken beside the first fetch), or None."""

    def __init__(self, store, services: Sequence[str], baseline, interval: float,
                 splay: float, act: Callable[[str], None], log: Callable[[str], None],
                 settle: float | None = None, rng: random.Random | None = None):
        super().__init__(name="pychamber-watch", daemon=True)
        self.store = store
        self.services = list(services)
        self.current = baseline
        self.interval = max(interval, 0.05)
        self.splay = max(splay, 0.0)
        self.settle = self.interval / 4 if settle is None else settle
        self.act = act
        self.log = log
        self.rng = rng or random.Random()
        self.stopped = threading.Event()
        self.polls = 0
        self._failing = False
        self._backoff = self.interval
        self._refused: Fingerprint | None = None

    def stop(self) -> None:
        self.stopped.set()

    def _sleep(self, seconds: float) -> bool:
        """Sleep; False when told to stop meanwhile."""
        return not self.stopped.wait(seconds)

    def _poll(self) -> Fingerprint:
        self.polls += 1
        return fingerprint(self.store, self.services)

    def run(self) -> None:
        backoff = self.interval
        if callable(self.current):  # a baseline still being taken beside the first fetch
            self.current = self.current()
        while self._sleep(backoff * self.rng.uniform(0.8, 1.2)):
            try:
                backoff = self._once()
            except Exception as e:  # noqa: BLE001 - the watcher must never die, nor stop the program
                backoff = self._failed(e)

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
        if seen == self.current or seen == self._refused:
            return self.interval
        seen = self._settled(seen)
        if seen is None or seen == self.current:
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
            return self.interval
        self.current = seen
        self._refused = None
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


def baseline_beside(store, services: Sequence[str]) -> Callable[[], Fingerprint | None]:
    """Start listing the services' versions now, in a thread, while the first fetch runs (so
    that watching never delays the first start and a write after the fetch is not missed);
    the callable returned waits for the listing (None when it failed)."""
    box: dict[str, Fingerprint] = {}

    def take() -> None:
        import signal

        # signals are the supervisor's (main thread's) to take, never this thread's
        signal.pthread_sigmask(signal.SIG_BLOCK, {s for s in (
            getattr(signal, n, None) for n in ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1",
                                               "SIGUSR2", "SIGWINCH", "SIGCHLD")) if s})
        try:
            box["fp"] = fingerprint(store, services)
        except Exception:  # noqa: BLE001 - the first poll takes the baseline instead
            pass

    thread = threading.Thread(target=take, name="pychamber-baseline", daemon=True)
    thread.start()

    def result() -> Fingerprint | None:
        thread.join()
        return box.get("fp")

    return result
