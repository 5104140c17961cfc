"""Solves side by side in worker processes (in-process HiGHS solves report to Python callbacks, so threads would queue on
Python's lock and not use a second core), or on Dask (:func:`dask_client`, which sweeps use too)."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
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


@contextlib.contextmanager
def dask_client(workers: int | None, client: object | None, scheduler: str | None) -> Iterator[object]:
    """The given client, a client of the scheduler at ``scheduler``, or a new local cluster (closed afterwards)."""
    if client is not None:
        yield client
        return
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as remote:
            yield remote
        return
    # A worker death fails its tasks at once (this module retries them), and single-threaded
    # workers are sent about one task at a time, so a death touches its own run and rarely one more.
    # With every core busy solving, Dask's own timers (event-loop ticks every 20 ms, monitors every
    # 0.1-0.5 s, the sampling profiler) take their time from the runs: they tick less often here.
    config = {
        "distributed.scheduler.allowed-failures": 0,
        "distributed.scheduler.worker-saturation": 1.0,
        "distributed.worker.profile.enabled": False,
        "distributed.admin.tick.interval": "1s",
        "distributed.admin.system-monitor.interval": "10s",
        "distributed.worker.memory.monitor-interval": "1s",
        "distributed.nanny.memory.monitor-interval": "1s",
    }
    with dask.config.set(config), _sigint_ignored():  # the worker processes inherit it
        cluster = LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    with cluster, Client(cluster) as local:
        local.run(_warm_up)
        yield local


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored in the block (processes started in it keep ignoring it); a no-op outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _warm_up() -> None:
    """Import the solver stack on a worker before its first run."""
    import gigawatt.solving  # noqa: F401
