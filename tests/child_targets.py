"""Functions run in a child process by tests/solvers/test_child.py (importable there through the tests folder)."""

from __future__ import annotations

import time
from collections.abc import Callable


def count(n: int, *, send: Callable[..., None]) -> int:
    """Send ``n`` ticks, then return their sum."""
    for i in range(n):
        send("tick", i)
    return sum(range(n))


def plan_then_hang(*, send: Callable[..., None]) -> None:
    """Send a plan, then run far past any deadline (as HiGHS inside a long root node)."""
    send("plan", 42.0)
    time.sleep(600)


def fail(*, send: Callable[..., None]) -> None:
    raise ValueError("bad model")
