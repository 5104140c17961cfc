"""Resident memory from /proc (Linux): of one process, and the peak of a process with its children together.

A solve may run HiGHS in a child process (:mod:`gigawatt.solvers.child`), so the memory a machine needs is the
parent's and the child's at the same moment; ``ru_maxrss`` reports each process's own peak only.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType

#: Seconds between two samples of :class:`TreePeak`.
SAMPLE_S = 0.2


def status_mb(key: str, pid: int | str = "self") -> float | None:
    """``key`` (``VmRSS``, ``VmHWM``) of process ``pid`` from /proc/<pid>/status, MB; None where it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def descendants(pid: int | str = "self") -> list[str]:
    """Process ids of the children of ``pid``, their children and so on (from /proc/<pid>/task/*/children)."""
    found: list[str] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            for child in children.read_text().split():
                found += [child, *descendants(child)]
        except OSError:  # the task or child ended while being read
            continue
    return found


class TreePeak:
    """Context manager: the largest sum of resident memory (MB) of this process and its descendants, sampled
    every :data:`SAMPLE_S` seconds while it is open (``peak_mb``; None where /proc cannot be read)."""

    def __init__(self) -> None:
        self.peak_mb: float | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while True:
            sizes = [status_mb("VmRSS", pid) for pid in ("self", *descendants())]
            if sizes[0] is not None:
                total = sum(size for size in sizes if size is not None)
                self.peak_mb = max(self.peak_mb or 0.0, total)
            if self._done.wait(SAMPLE_S):
                return
