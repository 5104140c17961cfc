"""Solves side by side in threads: HiGHS runs outside Python's lock, so solves in two threads use two cores."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
Submit = Callable[[Callable[[], T]], "Future[T]"]


@contextlib.contextmanager
def solver_threads(threads: int) -> Iterator[Submit]:
    """``submit(job)`` -> a future of ``job()``: run at once in this thread when ``threads`` is 0, else in a pool of that many."""
    if threads <= 0:

        def now(job: Callable[[], T]) -> Future[T]:
            future: Future[T] = Future()
            future.set_result(job())
            return future

        yield now
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:
        yield pool.submit
