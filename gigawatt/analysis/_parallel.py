"""Solves side by side in worker processes (in-process HiGHS solves report to Python callbacks, so threads would queue on
Python's lock and not use a second core)."""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
Submit = Callable[[Callable[[], T]], "Future[T]"]


def done(result: T) -> Future[T]:
    """A future that already holds ``result``."""
    future: Future[T] = Future()
    future.set_result(result)
    return future


@contextlib.contextmanager
def solver_processes(processes: int) -> Iterator[Submit]:
    """``submit(job)`` -> a future of ``job()`` (a picklable callable): run at once here when ``processes`` is 0, else in
    one of that many fresh worker processes. A worker ignores Ctrl-C between solves; a solve it runs installs
    its own handler (:mod:`gigawatt.solvers.stop`), so Ctrl-C ends that solve with its best plan."""
    if processes <= 0:
        yield lambda job: done(job())
        return
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no solver threads copied by fork
    with ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_ignore_ctrl_c) as pool:
        yield pool.submit


def _ignore_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
