"""A stop request: Ctrl-C ends a whole solve, study or sweep cleanly instead of only the solver call under way.

Inside :func:`handling`, SIGINT does not raise ``KeyboardInterrupt``: it sets one process-wide flag,
:func:`requested`. HiGHS reads it from its interrupt callbacks and stops the call under way (its
incumbent kept); a strategy's phases, :func:`gigawatt.ceiling_value`'s solves and a sweep's runs check
it between calls and return what they have. A second Ctrl-C while a stop is pending raises
``KeyboardInterrupt`` as usual (a forced stop).

A solver call that does not stop within a moment of the request may be left to finish in a
background thread (:func:`abandon`); it stops at its next check, and at exit Python waits for it
(:func:`join_abandoned`), since a solver thread still running when the interpreter shuts down aborts it.

Blocks nest: only the outermost one installs the handler (from the main thread; elsewhere the flag
is still honoured, set by :func:`request`), and it clears the flag on entry and on exit, so a stop
ends everything inside it and nothing after it.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType

log = logging.getLogger(__name__)

_requested = threading.Event()
_lock = threading.Lock()
_depth = 0
_abandoned: list[threading.Thread] = []


def requested() -> bool:
    """True once a stop was asked for in the current outermost :func:`handling` block."""
    return _requested.is_set()


def request() -> None:
    """Ask every solve under way in this process to stop (what Ctrl-C does inside :func:`handling`)."""
    _requested.set()


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    if _requested.is_set():
        raise KeyboardInterrupt
    log.warning("Ctrl-C: stopping, keeping what is done so far (Ctrl-C again to abort at once)")
    _requested.set()


@contextlib.contextmanager
def handling() -> Iterator[None]:
    """Within the block, Ctrl-C requests a stop (:func:`requested`) rather than raising ``KeyboardInterrupt``."""
    global _depth
    with _lock:
        outermost = _depth == 0
        _depth += 1
        if outermost:
            _requested.clear()
    install = outermost and threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _on_sigint) if install else None
    try:
        yield
    finally:
        if install:
            signal.signal(signal.SIGINT, previous)
        with _lock:
            _depth -= 1
            if _depth == 0:
                _requested.clear()


def abandon(thread: threading.Thread) -> None:
    """Leave ``thread`` (a solver call told to stop) to end by itself; exit waits for it."""
    _abandoned.append(thread)


def abandoned_running() -> bool:
    """True while a solver call left by :func:`abandon` is still running."""
    return any(t.is_alive() for t in _abandoned)


@atexit.register
def join_abandoned() -> None:
    """Wait for the solver calls left running (each was told to stop and ends at its next check)."""
    for thread in _abandoned:
        thread.join()
